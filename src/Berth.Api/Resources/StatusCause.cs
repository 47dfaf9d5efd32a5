namespace Berth.Api.Resources;

/// <summary>
/// One reason an object is invalid, as Kubernetes reports it in <c>Status.details.causes</c>:
/// <c>{reason: "FieldValueRequired", message: "Required value", field: "spec.selector"}</c>.
/// Reasons follow apimachinery's <c>field.ErrorType</c> (FieldValueRequired, FieldValueInvalid,
/// FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong, FieldValueTypeInvalid).
/// </summary>
public sealed record StatusCause(string Reason, string Message, string Field)
{
    public static StatusCause Required(string field, string? detail = null) =>
        new("FieldValueRequired", detail is null ? "Required value" : $"Required value: {detail}", field);

    public static StatusCause Invalid(string field, object? value, string detail) =>
        new("FieldValueInvalid", $"Invalid value: {Quote(value)}: {detail}", field);

    public static StatusCause NotSupported(string field, object? value, IEnumerable<string> supported) =>
        new("FieldValueNotSupported", $"Unsupported value: {Quote(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}", field);

    public static StatusCause Duplicate(string field, object? value) =>
        new("FieldValueDuplicate", $"Duplicate value: {Quote(value)}", field);

    public static StatusCause NotFound(string field, object? value) =>
        new("FieldValueNotFound", $"Not found: {Quote(value)}", field);

    public static StatusCause Forbidden(string field, string detail) =>
        new("FieldValueForbidden", $"Forbidden: {detail}", field);

    public static StatusCause TooLong(string field, int max) =>
        new("FieldValueTooLong", $"Too long: may not be more than {max} bytes", field);

    /// <summary>The message line Kubernetes prints for this cause: <c>spec.selector: Required value</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";

    private static string Quote(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
