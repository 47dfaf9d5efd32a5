using System.Text;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// One <c>WWW-Authenticate</c> challenge (RFC 7235), e.g.
/// <c>Bearer realm="https://auth.example/token",service="registry.example",scope="repository:x:pull"</c>,
/// as the distribution token-auth spec uses it (https://distribution.github.io/distribution/spec/auth/token/).
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.TryGetValue("realm", out var v) ? v : null;

    public string? Service => Parameters.TryGetValue("service", out var v) ? v : null;

    public string? Scope => Parameters.TryGetValue("scope", out var v) ? v : null;

    /// <summary>Parses one header value; quoted strings may hold commas and escaped quotes.</summary>
    public static AuthChallenge? Parse(string header)
    {
        var text = header.Trim();
        var space = text.IndexOf(' ');
        if (text.Length == 0)
        {
            return null;
        }
        var scheme = space < 0 ? text : text[..space];
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = space < 0 ? text.Length : space + 1;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ' ' || text[i] == ','))
            {
                i++;
            }
            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            var key = text[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    value.Append(text[i]);
                    i++;
                }
                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i]);
                    i++;
                }
            }
            parameters[key] = value.ToString().Trim();
        }
        return new AuthChallenge(scheme, parameters);
    }
}
