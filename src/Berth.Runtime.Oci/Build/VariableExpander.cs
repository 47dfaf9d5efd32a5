using System.Text;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Dockerfile variable substitution (https://docs.docker.com/reference/dockerfile/#environment-replacement):
/// <c>$NAME</c>, <c>${NAME}</c>, <c>${NAME:-default}</c>, <c>${NAME:+alternative}</c>; <c>\$</c> is a literal
/// dollar. Single-quoted text is left alone. Unknown variables expand to nothing.
/// </summary>
public static class VariableExpander
{
    public static string Expand(string text, IReadOnlyDictionary<string, string> variables)
    {
        var sb = new StringBuilder(text.Length);
        var inSingle = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'' )
            {
                inSingle = !inSingle;
                sb.Append(c);
                continue;
            }
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '$')
            {
                sb.Append('\\').Append('$');
                i++;
                continue;
            }
            if (c != '$' || inSingle || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }
            if (text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    throw new BuildException($"unterminated ${{ in \"{text}\"");
                }
                var body = text[(i + 2)..end];
                var op = body.IndexOf(':');
                if (op > 0 && op + 1 < body.Length && body[op + 1] is '-' or '+')
                {
                    var name = body[..op];
                    var word = Expand(body[(op + 2)..], variables);
                    var has = variables.TryGetValue(name, out var v) && v.Length > 0;
                    sb.Append(body[op + 1] == '-' ? (has ? v : word) : (has ? word : ""));
                }
                else
                {
                    sb.Append(variables.TryGetValue(body, out var v) ? v : "");
                }
                i = end;
                continue;
            }
            var j = i + 1;
            while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_'))
            {
                j++;
            }
            if (j == i + 1)
            {
                sb.Append(c);
                continue;
            }
            sb.Append(variables.TryGetValue(text[(i + 1)..j], out var val) ? val : "");
            i = j - 1;
        }
        return sb.ToString().Replace("\\$", "$", StringComparison.Ordinal);
    }
}
