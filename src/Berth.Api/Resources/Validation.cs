using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Berth.Api.Resources;

/// <summary>
/// The validators of k8s.io/apimachinery/pkg/util/validation and pkg/api/validation/objectmeta.go,
/// with the same messages, so that clients show what Kubernetes would.
/// </summary>
public static partial class Validation
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int LabelValueMaxLength = 63;
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    public const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    public const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    public const string Dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>apimachinery's <c>FieldImmutableErrorMsg</c>.</summary>
    public const string FieldImmutable = "field is immutable";

    public const string QualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    public const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035LabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValueRegex();

    /// <summary>Problems with <paramref name="value"/> as an RFC 1123 label (empty = valid).</summary>
    public static IEnumerable<string> IsDns1123Label(string value)
    {
        if (value.Length > Dns1123LabelMaxLength)
        {
            yield return $"must be no more than {Dns1123LabelMaxLength} characters";
        }

        if (!Dns1123LabelRegex().IsMatch(value))
        {
            yield return Dns1123LabelMessage;
        }
    }

    /// <summary>Problems with <paramref name="value"/> as an RFC 1035 label (empty = valid).</summary>
    public static IEnumerable<string> IsDns1035Label(string value)
    {
        if (value.Length > Dns1123LabelMaxLength)
        {
            yield return $"must be no more than {Dns1123LabelMaxLength} characters";
        }

        if (!Dns1035LabelRegex().IsMatch(value))
        {
            yield return Dns1035LabelMessage;
        }
    }

    /// <summary>Problems with <paramref name="value"/> as an RFC 1123 subdomain (empty = valid).</summary>
    public static IEnumerable<string> IsDns1123Subdomain(string value)
    {
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            yield return $"must be no more than {Dns1123SubdomainMaxLength} characters";
        }

        if (!Dns1123SubdomainRegex().IsMatch(value))
        {
            yield return Dns1123SubdomainMessage;
        }
    }

    /// <summary>Problems with a label or annotation key: an optional DNS subdomain prefix and a qualified name.</summary>
    public static IEnumerable<string> IsQualifiedName(string value)
    {
        var parts = value.Split('/');
        string name;
        if (parts.Length == 1)
        {
            name = parts[0];
        }
        else if (parts.Length == 2)
        {
            if (parts[0].Length == 0)
            {
                yield return "prefix part must be non-empty";
            }
            else
            {
                foreach (var p in IsDns1123Subdomain(parts[0]))
                {
                    yield return "prefix part " + p;
                }
            }

            name = parts[1];
        }
        else
        {
            yield return "a qualified name " + QualifiedNameMessage.Replace("name part must", "must", StringComparison.Ordinal) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            yield break;
        }

        if (name.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (name.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }

        if (!QualifiedNameRegex().IsMatch(name))
        {
            yield return QualifiedNameMessage;
        }
    }

    public static IEnumerable<string> IsValidLabelValue(string value)
    {
        if (value.Length > LabelValueMaxLength)
        {
            yield return $"must be no more than {LabelValueMaxLength} characters";
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            yield return LabelValueMessage;
        }
    }

    /// <summary>Problems with a name under <paramref name="rule"/>.</summary>
    public static IEnumerable<string> CheckName(string name, NameRule rule) => rule switch
    {
        NameRule.Label => IsDns1123Label(name),
        NameRule.Dns1035Label => IsDns1035Label(name),
        NameRule.Subdomain => IsDns1123Subdomain(name),
        _ => IsPathSegment(name),
    };

    public static IEnumerable<string> IsPathSegment(string name)
    {
        if (name is "." or "..")
        {
            yield return $"may not be '{name}'";
        }

        foreach (var bad in new[] { "/", "%" })
        {
            if (name.Contains(bad, StringComparison.Ordinal))
            {
                yield return $"may not contain '{bad}'";
            }
        }
    }

    /// <summary>Validates <c>metadata</c>: name, generateName, labels, annotations, ownerReferences, finalizers.</summary>
    public static void ValidateObjectMeta(JsonObject obj, NameRule rule, List<StatusCause> causes)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            causes.Add(StatusCause.Required("metadata"));
            return;
        }

        var name = Json.String(meta, "name");
        if (string.IsNullOrEmpty(name))
        {
            causes.Add(StatusCause.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            foreach (var msg in CheckName(name, rule))
            {
                causes.Add(StatusCause.Invalid("metadata.name", name, msg));
            }
        }

        ValidateLabels(Json.Object(meta, "labels"), "metadata.labels", causes);
        ValidateAnnotations(Json.Object(meta, "annotations"), "metadata.annotations", causes);

        if (meta["ownerReferences"] is JsonArray owners)
        {
            for (var i = 0; i < owners.Count; i++)
            {
                var field = $"metadata.ownerReferences[{i}]";
                foreach (var required in new[] { "apiVersion", "kind", "name", "uid" })
                {
                    if (string.IsNullOrEmpty(Json.String(owners[i], required)))
                    {
                        causes.Add(StatusCause.Invalid($"{field}.{required}", Json.String(owners[i], required) ?? "", $"{required} must not be empty"));
                    }
                }
            }

            if (owners.Count(o => Json.Bool(o, "controller") == true) > 1)
            {
                causes.Add(StatusCause.Invalid("metadata.ownerReferences", "", "Only one reference can have Controller set to true"));
            }
        }
    }

    public static void ValidateLabels(JsonObject? labels, string field, List<StatusCause> causes)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var (key, value) in labels)
        {
            foreach (var msg in IsQualifiedName(key))
            {
                causes.Add(StatusCause.Invalid(field, key, msg));
            }

            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                causes.Add(new StatusCause("FieldValueTypeInvalid", "Invalid value: label values must be strings", $"{field}[{key}]"));
                continue;
            }

            foreach (var msg in IsValidLabelValue(v.GetValue<string>()))
            {
                causes.Add(StatusCause.Invalid(field, v.GetValue<string>(), msg));
            }
        }
    }

    public static void ValidateAnnotations(JsonObject? annotations, string field, List<StatusCause> causes)
    {
        if (annotations is null)
        {
            return;
        }

        long total = 0;
        foreach (var (key, value) in annotations)
        {
            foreach (var msg in IsQualifiedName(key.ToLowerInvariant()))
            {
                causes.Add(StatusCause.Invalid(field, key, msg));
            }

            total += Encoding.UTF8.GetByteCount(key);
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                total += Encoding.UTF8.GetByteCount(v.GetValue<string>());
            }
        }

        if (total > TotalAnnotationSizeLimit)
        {
            causes.Add(StatusCause.TooLong(field, TotalAnnotationSizeLimit));
        }
    }

    /// <summary>
    /// The checks of apimachinery's <c>ValidateObjectMetaUpdate</c> that a client can trip: name, namespace and uid
    /// may not change, and no finalizer may be added to an object that is being deleted.
    /// </summary>
    public static void ValidateObjectMetaUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var meta = Json.Object(obj, "metadata");
        var oldMeta = Json.Object(old, "metadata");
        if (meta is null || oldMeta is null)
        {
            return;
        }

        foreach (var key in new[] { "name", "namespace" })
        {
            var now = Json.String(meta, key) ?? "";
            if (now != (Json.String(oldMeta, key) ?? ""))
            {
                causes.Add(StatusCause.Invalid($"metadata.{key}", now, FieldImmutable));
            }
        }

        var uid = Json.String(meta, "uid");
        if (!string.IsNullOrEmpty(uid) && uid != Json.String(oldMeta, "uid"))
        {
            causes.Add(StatusCause.Invalid("metadata.uid", uid, FieldImmutable));
        }

        if (oldMeta["deletionTimestamp"] is not null)
        {
            var before = (Json.Array(oldMeta, "finalizers") ?? []).Select(f => Json.StringOf(f)).ToHashSet();
            var added = (Json.Array(meta, "finalizers") ?? []).Select(f => Json.StringOf(f)).Where(f => !before.Contains(f)).Distinct().Order(StringComparer.Ordinal).ToList();
            if (added.Count > 0)
            {
                causes.Add(StatusCause.Forbidden("metadata.finalizers",
                    $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(a => $"\"{a}\""))}}}"));
            }
        }
    }
}
