namespace Berth.Api.Patch;

/// <summary>
/// RFC 6901 JSON Pointers: <c>/spec/containers/0/image</c>; <c>~1</c> stands for <c>/</c> and <c>~0</c> for
/// <c>~</c> inside a token (decoded in that order, so <c>~01</c> is the token <c>~1</c>). The empty string points
/// at the whole document.
/// </summary>
public static class JsonPointer
{
    /// <summary>The decoded tokens of <paramref name="pointer"/>; empty for "" (the whole document).</summary>
    /// <exception cref="FormatException">A non-empty pointer that does not start with '/'.</exception>
    public static IReadOnlyList<string> Parse(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new FormatException($"JSON pointer must be empty or start with '/': {pointer}");
        }

        return pointer[1..].Split('/').Select(Unescape).ToList();
    }

    /// <summary>The pointer made of <paramref name="tokens"/>, escaped: <c>["metadata","labels","app.kubernetes.io/name"]</c> → <c>/metadata/labels/app.kubernetes.io~1name</c>.</summary>
    public static string Format(IEnumerable<string> tokens) => string.Concat(tokens.Select(t => "/" + Escape(t)));

    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    public static string Unescape(string token)
    {
        if (!token.Contains('~', StringComparison.Ordinal))
        {
            return token;
        }

        var chars = new System.Text.StringBuilder(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '~' && i + 1 < token.Length && token[i + 1] is '0' or '1')
            {
                chars.Append(token[i + 1] == '0' ? '~' : '/');
                i++;
            }
            else
            {
                chars.Append(token[i]);
            }
        }

        return chars.ToString();
    }
}
