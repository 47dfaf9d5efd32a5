namespace Berth.Api.Protobuf;

/// <summary>
/// Messages whose Go type has its own protobuf and JSON forms, so they are not rendered field by field.
/// </summary>
public enum ProtoSpecial
{
    /// <summary>An ordinary message: a JSON object of its fields.</summary>
    None,

    /// <summary>metav1.Time {seconds=1, nanos=2}: RFC 3339 in seconds (nanos dropped, as Go does), null when zero.</summary>
    Time,

    /// <summary>metav1.MicroTime {seconds=1, nanos=2}: RFC 3339 with 6 fractional digits, null when zero.</summary>
    MicroTime,

    /// <summary>metav1.Duration {duration=1 (ns)}: Go's time.Duration string, e.g. "1h0m0s".</summary>
    Duration,

    /// <summary>metav1.FieldsV1 {Raw=1}: the embedded JSON.</summary>
    FieldsV1,

    /// <summary>runtime.RawExtension {raw=1}: the embedded JSON.</summary>
    RawExtension,

    /// <summary>intstr.IntOrString {type=1, intVal=2, strVal=3}: a JSON number or string.</summary>
    IntOrString,

    /// <summary>resource.Quantity {string=1}: the quantity string, "0" when empty.</summary>
    Quantity,

    /// <summary>A named []string (authentication ExtraValue, metav1.Verbs) wrapped as {repeated string items = 1}: a JSON array.</summary>
    StringList,
}
