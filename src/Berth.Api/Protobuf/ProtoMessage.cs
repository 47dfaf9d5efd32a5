namespace Berth.Api.Protobuf;

/// <summary>A message of the schema: its fields in Go struct order, which is the order of JSON properties.</summary>
public sealed class ProtoMessage
{
    private readonly Dictionary<int, int> _indexByNumber = [];
    private readonly List<ProtoField> _fields = [];

    public ProtoMessage(string name, ProtoSpecial special)
    {
        Name = name;
        Special = special;
    }

    /// <summary>The short name, e.g. <c>core.v1.Pod</c> (package alias, dot, message name).</summary>
    public string Name { get; }

    public ProtoSpecial Special { get; }

    public IReadOnlyList<ProtoField> Fields => _fields;

    /// <summary>The position of the field with this number in <see cref="Fields"/>, or -1.</summary>
    public int IndexOf(int number) => _indexByNumber.TryGetValue(number, out var i) ? i : -1;

    internal void Add(ProtoField field)
    {
        if (!_indexByNumber.TryAdd(field.Number, _fields.Count))
        {
            throw new FormatException($"message {Name}: field number {field.Number} appears twice");
        }

        _fields.Add(field);
    }

    public override string ToString() => Name;
}
