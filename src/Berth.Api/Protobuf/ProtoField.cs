namespace Berth.Api.Protobuf;

/// <summary>
/// One field of a message, with what protobuf says (number, type, repeated/map) and what the Go struct
/// field says about its JSON form (name, omitempty, pointer, inline embedding).
/// </summary>
public sealed class ProtoField
{
    public required int Number { get; init; }

    /// <summary>The JSON property name; empty for an inline field, whose fields are written into the parent object.</summary>
    public required string JsonName { get; init; }

    public required ProtoFieldKind Kind { get; init; }

    /// <summary>The type of the value (of each element of a repeated field; of the values of a map).</summary>
    public required ProtoScalar Scalar { get; init; }

    /// <summary>The message name when <see cref="Scalar"/> is <see cref="ProtoScalar.Message"/>, e.g. <c>core.v1.PodSpec</c>.</summary>
    public string? MessageName { get; init; }

    /// <summary>The type of map keys (always a scalar).</summary>
    public ProtoScalar KeyScalar { get; init; }

    /// <summary>The Go field is a pointer: presence on the wire means "set", even to a zero value.</summary>
    public bool Pointer { get; init; }

    /// <summary>The Go JSON tag has <c>omitempty</c>: zero scalars, empty slices and maps, nil pointers are left out.</summary>
    public bool OmitEmpty { get; init; }

    /// <summary>An embedded struct with <c>json:",inline"</c>: its fields appear in the parent's JSON object.</summary>
    public bool Inline { get; init; }

    /// <summary>The resolved message type, set when the schema is loaded.</summary>
    public ProtoMessage? Message { get; internal set; }

    public override string ToString() => $"{Number} {JsonName} {Kind} {MessageName ?? Scalar.ToString()}";
}
