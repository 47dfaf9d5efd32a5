using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// <c>ValidateVolumes</c> and <c>ValidateVolumeMounts</c> of pkg/apis/core/validation for the volume sources
/// Berth runs (emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim); other
/// sources are only counted (one source per volume).
/// </summary>
internal static class VolumeValidation
{
    /// <summary>Validates <c>volumes</c> and returns the names of the valid ones (mounts may only refer to those).</summary>
    public static IReadOnlySet<string> ValidateVolumes(JsonObject spec, string path, List<StatusCause> causes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, volume) in Nodes.Objects(spec["volumes"]))
        {
            var at = $"{path}[{i}]";
            var errors = new List<StatusCause>();
            ValidateSource(volume, at, errors);
            var name = Nodes.Str(volume, "name");
            if (name.Length == 0)
            {
                errors.Add(StatusCause.Required($"{at}.name"));
            }
            else
            {
                errors.AddRange(Validation.IsDns1123Label(name).Select(msg => StatusCause.Invalid($"{at}.name", name, msg)));
            }

            if (names.Contains(name))
            {
                errors.Add(StatusCause.Duplicate($"{at}.name", name));
            }

            if (errors.Count == 0)
            {
                names.Add(name);
            }

            causes.AddRange(errors);
        }

        return names;
    }

    /// <summary><c>ValidateVolumeMounts</c>: a mount names an existing volume and a unique mount path.</summary>
    public static void ValidateMounts(JsonObject container, string path, IReadOnlySet<string> volumes, List<StatusCause> causes)
    {
        var mountPoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, mount) in Nodes.Objects(container["volumeMounts"]))
        {
            var at = $"{path}[{i}]";
            var name = Nodes.Str(mount, "name");
            if (name.Length == 0)
            {
                causes.Add(StatusCause.Required($"{at}.name"));
            }

            if (!volumes.Contains(name))
            {
                causes.Add(StatusCause.NotFound($"{at}.name", name));
            }

            var mountPath = Nodes.Str(mount, "mountPath");
            if (mountPath.Length == 0)
            {
                causes.Add(StatusCause.Required($"{at}.mountPath"));
            }

            if (!mountPoints.Add(mountPath))
            {
                causes.Add(StatusCause.Invalid($"{at}.mountPath", mountPath, "must be unique"));
            }

            // Kubernetes reports sub-path problems without the mount's index (validation.go uses fldPath.Child("subPath")).
            var subPath = Nodes.Str(mount, "subPath");
            if (subPath.Length > 0)
            {
                FieldRules.LocalDescendingPath(subPath, $"{path}.subPath", causes);
            }

            if (Nodes.Str(mount, "subPathExpr") is { Length: > 0 } expr)
            {
                if (subPath.Length > 0)
                {
                    causes.Add(StatusCause.Invalid($"{at}.subPathExpr", expr, "subPathExpr and subPath are mutually exclusive"));
                }

                FieldRules.LocalDescendingPath(expr, $"{path}.subPathExpr", causes);
            }

            if (Json.String(mount, "mountPropagation") is { } propagation)
            {
                FieldRules.OneOf(propagation, $"{path}.mountPropagation", ["Bidirectional", "HostToContainer", "None"], causes, required: false);
            }
        }
    }

    private static void ValidateSource(JsonObject volume, string path, List<StatusCause> causes)
    {
        var count = 0;
        foreach (var source in PodSpecDefaults.VolumeSources)
        {
            if (!Nodes.Has(volume, source))
            {
                continue;
            }

            if (count++ > 0)
            {
                causes.Add(StatusCause.Forbidden($"{path}.{source}", "may not specify more than 1 volume type"));
                continue;
            }

            var at = $"{path}.{source}";
            var s = Json.Object(volume, source);
            switch (source)
            {
                case "hostPath":
                    if (Nodes.Str(s, "path") is var hostPath && hostPath.Length == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.path"));
                    }
                    else
                    {
                        FieldRules.NoBacksteps(hostPath, $"{at}.path", causes);
                    }

                    FieldRules.OneOf(Json.String(s, "type"), $"{at}.type",
                        ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"], causes, required: false);
                    break;
                case "secret":
                    if (Nodes.Str(s, "secretName") is var secretName && secretName.Length == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.secretName"));
                    }

                    FieldRules.FileMode(s?["defaultMode"], $"{at}.defaultMode", causes);
                    KeyToPaths(s, at, causes);
                    break;
                case "configMap":
                    if (Nodes.Str(s, "name").Length == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.name"));
                    }

                    FieldRules.FileMode(s?["defaultMode"], $"{at}.defaultMode", causes);
                    KeyToPaths(s, at, causes);
                    break;
                case "downwardAPI" or "projected":
                    FieldRules.FileMode(s?["defaultMode"], $"{at}.defaultMode", causes);
                    break;
                case "persistentVolumeClaim":
                    if (Nodes.Str(s, "claimName").Length == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.claimName"));
                    }

                    break;
                case "emptyDir" when Quantity.Parse(Json.Walk(s, "sizeLimit")) is < 0:
                    causes.Add(StatusCause.Forbidden($"{at}.sizeLimit", "SizeLimit field must be a valid resource quantity"));
                    break;
            }
        }

        if (count == 0)
        {
            causes.Add(StatusCause.Required(path, "must specify a volume type"));
        }
    }

    private static void KeyToPaths(JsonObject? source, string path, List<StatusCause> causes)
    {
        foreach (var (i, item) in Nodes.Objects(source?["items"]))
        {
            var at = $"{path}.items[{i}]";
            if (Nodes.Str(item, "key").Length == 0)
            {
                causes.Add(StatusCause.Required($"{at}.key"));
            }

            var itemPath = Nodes.Str(item, "path");
            if (itemPath.Length == 0)
            {
                causes.Add(StatusCause.Required($"{at}.path"));
            }
            else
            {
                FieldRules.LocalDescendingPath(itemPath, $"{at}.path", causes);
            }

            FieldRules.FileMode(item["mode"], $"{at}.mode", causes);
        }
    }
}
