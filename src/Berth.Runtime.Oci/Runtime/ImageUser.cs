using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Resolves an image's <c>USER</c> (OCI image config <c>config.User</c>: <c>uid</c>, <c>name</c>,
/// <c>uid:gid</c>, <c>name:group</c>...) against the image's own /etc/passwd and /etc/group, read from
/// the top-most layer that has them (layers are ordered top-most first, as overlay lowerdirs). Like
/// runc/containerd: a numeric uid absent from passwd gets gid 0; a user's supplementary groups are the
/// groups listing it in /etc/group.
/// (https://github.com/opencontainers/image-spec/blob/main/config.md, "User")
/// </summary>
public static class ImageUser
{
    public static ProcessUser Resolve(string? user, IReadOnlyList<string> lowerDirs)
    {
        if (string.IsNullOrWhiteSpace(user))
        {
            user = "0";
        }

        var parts = user.Split(':', 2);
        var passwd = ReadTable(lowerDirs, "passwd");
        var group = ReadTable(lowerDirs, "group");

        uint uid;
        uint? primary = null;
        string? name = null;
        if (uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
        {
            uid = numeric;
            var entry = passwd.FirstOrDefault(p => p.Length > 3 && p[2] == parts[0]);
            if (entry is not null)
            {
                name = entry[0];
                primary = ParseId(entry[3]);
            }
        }
        else
        {
            var entry = passwd.FirstOrDefault(p => p.Length > 3 && p[0] == parts[0])
                ?? throw new ArgumentException($"user '{parts[0]}' is not in the image's /etc/passwd");
            name = entry[0];
            uid = ParseId(entry[2]);
            primary = ParseId(entry[3]);
        }

        uint gid;
        if (parts.Length == 2)
        {
            if (uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g))
            {
                gid = g;
            }
            else
            {
                var entry = group.FirstOrDefault(e => e.Length > 2 && e[0] == parts[1])
                    ?? throw new ArgumentException($"group '{parts[1]}' is not in the image's /etc/group");
                gid = ParseId(entry[2]);
            }
        }
        else
        {
            gid = primary ?? 0;
        }

        var supplementary = name is null || parts.Length == 2
            ? []
            : group.Where(e => e.Length > 3 && e[3].Split(',').Contains(name)).Select(e => ParseId(e[2])).Where(g => g != gid).Distinct().ToList();
        return new ProcessUser(uid, gid, supplementary.Count == 0 ? null : supplementary);
    }

    private static uint ParseId(string s) => uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static List<string[]> ReadTable(IReadOnlyList<string> lowerDirs, string file)
    {
        foreach (var layer in lowerDirs)
        {
            var etc = Path.Combine(layer, "etc");
            var path = Path.Combine(etc, file);
            if (File.Exists(path))
            {
                return File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':')).ToList();
            }

            // An upper layer that deleted the file (whiteout) or replaced /etc wholesale (opaque) hides the ones below.
            if (File.Exists(Path.Combine(etc, ".wh." + file)) || File.Exists(Path.Combine(etc, ".wh..wh..opq")))
            {
                break;
            }
        }

        return [];
    }
}
