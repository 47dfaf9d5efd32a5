namespace Berth.Api.Patch;

/// <summary>
/// What strategic merge patch needs to know about one object type: the fields that carry a patch strategy,
/// a merge key or <c>retainKeys</c>, and the fields that lead to them. Fields not listed take the default:
/// objects merge key by key, lists are replaced. Immutable and shared; <see cref="For"/> returns the schemas of
/// the built-in kinds (<see cref="BuiltInPatchSchemas"/>).
/// </summary>
public sealed class PatchSchema
{
    private readonly Dictionary<string, PatchField> _fields;

    public PatchSchema(IEnumerable<KeyValuePair<string, PatchField>> fields)
    {
        _fields = new Dictionary<string, PatchField>(fields, StringComparer.Ordinal);
    }

    /// <summary>A type with no metadata anywhere below it.</summary>
    public static PatchSchema Empty { get; } = new([]);

    public IReadOnlyDictionary<string, PatchField> Fields => _fields;

    /// <summary>The metadata of field <paramref name="name"/>, or null when it has none (default behaviour, no nested metadata).</summary>
    public PatchField? Field(string name) => _fields.GetValueOrDefault(name);

    /// <summary>The schema of the value of field <paramref name="name"/> (for lists: of each item); <see cref="Empty"/> when unknown.</summary>
    public PatchSchema Child(string name) => Field(name)?.Schema ?? Empty;

    /// <summary>
    /// The schema of built-in kind <paramref name="kind"/> in API group <paramref name="group"/> ("" for core),
    /// or null for kinds without one (custom resources such as kubevirt.io's): strategic merge patch is then
    /// refused with 415 UnsupportedMediaType, as Kubernetes does for custom resources.
    /// </summary>
    public static PatchSchema? For(string group, string kind) => BuiltInPatchSchemas.For(group, kind);

    /// <summary>Builds a schema from <c>(name, field)</c> pairs.</summary>
    public static PatchSchema Of(params (string Name, PatchField Field)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Field)));

    /// <summary>A copy with <paramref name="name"/> set to <paramref name="field"/>.</summary>
    public PatchSchema With(string name, PatchField field)
    {
        var fields = new Dictionary<string, PatchField>(_fields, StringComparer.Ordinal) { [name] = field };
        return new PatchSchema(fields);
    }

    /// <summary>
    /// Every field with a strategy, merge key or retainKeys, as <c>path: behaviour</c> lines in path order,
    /// e.g. <c>spec.template.spec.containers[].env: merge by name</c>. For documentation and tests.
    /// </summary>
    public IEnumerable<string> Describe()
    {
        var lines = new List<string>();
        Describe(this, "", lines, 0);
        return lines.OrderBy(l => l, StringComparer.Ordinal);
    }

    private static void Describe(PatchSchema schema, string prefix, List<string> lines, int depth)
    {
        if (depth > 16)
        {
            return;
        }

        foreach (var (name, field) in schema._fields)
        {
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (field.Strategy != PatchStrategy.Default || field.RetainKeys || field.Schema is null)
            {
                lines.Add($"{path}: {field}");
            }

            if (field.Schema is not null)
            {
                Describe(field.Schema, field.Strategy == PatchStrategy.Merge ? path + "[]" : path, lines, depth + 1);
            }
        }
    }
}
