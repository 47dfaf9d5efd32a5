using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>Printing helpers shared by PersistentVolumes and PersistentVolumeClaims (pkg/apis/core/helper).</summary>
internal static class Storage
{
    public static readonly IReadOnlyList<string> AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    /// <summary><c>GetAccessModesAsString</c>: RWO, ROX, RWX, RWOP in that order, comma-joined.</summary>
    public static string AccessModesText(JsonNode? modes)
    {
        var set = Nodes.Strings(modes).ToHashSet(StringComparer.Ordinal);
        var parts = new List<string>();
        foreach (var (mode, text) in new[] { ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP") })
        {
            if (set.Contains(mode))
            {
                parts.Add(text);
            }
        }

        return string.Join(",", parts);
    }

    /// <summary><c>GetPersistentVolume(Claim)Class</c>: the beta annotation wins over <c>spec.storageClassName</c>.</summary>
    public static string ClassOf(JsonObject obj) =>
        Json.String(obj, "metadata", "annotations", "volume.beta.kubernetes.io/storage-class") ?? Nodes.Str(obj, "spec", "storageClassName");

    /// <summary>Access modes: at least one, known, and ReadWriteOncePod alone.</summary>
    public static void ValidateAccessModes(JsonNode? modes, string path, List<StatusCause> causes)
    {
        var list = Nodes.Strings(modes).ToList();
        if (list.Count == 0)
        {
            causes.Add(StatusCause.Required(path, "at least 1 access mode is required"));
        }

        foreach (var mode in list)
        {
            FieldRules.OneOf(mode, path, AccessModes, causes, required: false);
        }

        if (list.Contains("ReadWriteOncePod") && list.Any(m => m != "ReadWriteOncePod" && AccessModes.Contains(m)))
        {
            causes.Add(StatusCause.Forbidden(path, "may not use ReadWriteOncePod with other access modes"));
        }
    }
}
