using Berth.Api.Client;

namespace Berth.Api.Patch;

/// <summary>The media types of <see cref="PatchType"/> (Berth.Api.Client), as k8s.io/apimachinery/pkg/types names them.</summary>
public static class PatchTypes
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    /// <summary>
    /// The patch type of a <c>Content-Type</c> header, ignoring parameters (<c>; charset=utf-8</c>) as the
    /// apiserver does; null for anything else (the API answers 415 with <see cref="Accepted"/>).
    /// </summary>
    public static PatchType? FromContentType(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon > 0 ? contentType[..semicolon] : contentType).Trim();
        return mediaType switch
        {
            JsonPatch => PatchType.Json,
            MergePatch => PatchType.Merge,
            StrategicMergePatch => PatchType.StrategicMerge,
            ApplyPatch => PatchType.Apply,
            _ => null,
        };
    }

    public static string ToContentType(PatchType type) => type switch
    {
        PatchType.Json => JsonPatch,
        PatchType.Merge => MergePatch,
        PatchType.StrategicMerge => StrategicMergePatch,
        _ => ApplyPatch,
    };

    /// <summary>
    /// The media types Berth accepts for a resource, in the order the apiserver lists them in its 415:
    /// strategic merge patch only where the kind has a <see cref="PatchSchema"/> (built-in kinds).
    /// Server-side apply is not listed because Berth does not implement it.
    /// </summary>
    public static IReadOnlyList<string> Accepted(bool strategic) =>
        strategic ? [JsonPatch, MergePatch, StrategicMergePatch] : [JsonPatch, MergePatch];
}
