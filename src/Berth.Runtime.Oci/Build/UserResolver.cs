namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Resolves a Dockerfile <c>USER</c> / <c>--chown</c> value (<c>name</c>, <c>uid</c>, <c>name:group</c>,
/// <c>uid:gid</c>) against the image's own <c>/etc/passwd</c> and <c>/etc/group</c>, as Docker does.
/// </summary>
public static class UserResolver
{
    /// <param name="rootfs">A directory with the image's merged filesystem, or null when names cannot be looked up.</param>
    public static (uint Uid, uint Gid) Resolve(string? rootfs, string? user) => Resolve(
        user,
        name => Lookup(rootfs, "etc/passwd", name),
        name => Lookup(rootfs, "etc/group", name));

    /// <summary>Resolves with lookup functions that return the colon-split line for a name, or null.</summary>
    public static (uint Uid, uint Gid) Resolve(string? user, Func<string, string[]?> passwd, Func<string, string[]?> group)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }
        var colon = user.IndexOf(':');
        var u = colon < 0 ? user : user[..colon];
        var g = colon < 0 ? null : user[(colon + 1)..];
        uint uid;
        uint gid;
        if (uint.TryParse(u, out uid))
        {
            // A numeric user not in /etc/passwd gets gid 0, as runc's user lookup does.
            var entry = passwd("#" + uid);
            gid = entry is { Length: > 3 } && uint.TryParse(entry[3], out var pg) ? pg : 0;
        }
        else
        {
            var entry = passwd(u) ?? throw new BuildException($"unable to find user {u}: no matching entries in the image's /etc/passwd");
            uid = uint.Parse(entry[2]);
            gid = uint.Parse(entry[3]);
        }
        if (g is not null)
        {
            if (!uint.TryParse(g, out gid))
            {
                var entry = group(g) ?? throw new BuildException($"unable to find group {g}: no matching entries in the image's /etc/group");
                gid = uint.Parse(entry[2]);
            }
        }
        return (uid, gid);
    }

    private static string[]? Lookup(string? rootfs, string file, string name)
    {
        if (rootfs is null)
        {
            return null;
        }
        var path = Path.Combine(rootfs, file);
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(':');
            if (parts.Length < 3)
            {
                continue;
            }
            if (name.StartsWith('#') ? parts[2] == name[1..] : parts[0] == name)
            {
                return parts;
            }
        }
        return null;
    }
}
