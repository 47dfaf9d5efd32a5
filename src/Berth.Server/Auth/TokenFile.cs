using System.Security.Cryptography;
using System.Text;

namespace Berth.Server.Auth;

/// <summary>
/// Static bearer tokens, as kube-apiserver's <c>--token-auth-file</c>: <c>DATA_DIR/pki/tokens</c>, one
/// <c>TOKEN,USER,GROUP1|GROUP2</c> per line, mode 0600. Berth writes one for its own agent
/// (<c>system:node:NAME</c>) and one admin token; lookups compare in constant time.
/// </summary>
public sealed class TokenFile
{
    private readonly List<(byte[] Token, UserInfo User)> _entries = [];

    private TokenFile(string path) => Path = path;

    public string Path { get; }

    public static TokenFile LoadOrCreate(string pkiDir)
    {
        var file = new TokenFile(System.IO.Path.Combine(pkiDir, "tokens"));
        if (File.Exists(file.Path))
        {
            foreach (var line in File.ReadAllLines(file.Path))
            {
                var parts = line.Split(',');
                if (parts.Length >= 2 && parts[0].Length >= 32)
                {
                    var groups = parts.Length > 2 ? parts[2].Split('|', StringSplitOptions.RemoveEmptyEntries) : [];
                    file._entries.Add((Encoding.UTF8.GetBytes(parts[0]), new UserInfo(parts[1], groups)));
                }
            }
        }

        return file;
    }

    /// <summary>The token of <paramref name="user"/>, created and saved when it has none.</summary>
    public string EnsureToken(string user, params string[] groups)
    {
        var existing = _entries.FirstOrDefault(e => e.User.Name == user);
        if (existing.Token is not null)
        {
            return Encoding.UTF8.GetString(existing.Token);
        }

        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        _entries.Add((Encoding.UTF8.GetBytes(token), new UserInfo(user, groups)));
        var content = string.Join("\n", _entries.Select(e => $"{Encoding.UTF8.GetString(e.Token)},{e.User.Name},{string.Join('|', e.User.Groups)}")) + "\n";
        Pki.ClusterPki.WriteAtomic(Path, content, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return token;
    }

    /// <summary>The user a bearer token belongs to, or null.</summary>
    public UserInfo? Authenticate(string token)
    {
        var bytes = Encoding.UTF8.GetBytes(token);
        UserInfo? found = null;
        foreach (var (t, user) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(t, bytes))
            {
                found = user;
            }
        }

        return found;
    }
}
