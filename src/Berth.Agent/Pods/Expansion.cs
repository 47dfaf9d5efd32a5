using System.Text;

namespace Berth.Agent.Pods;

/// <summary>
/// <c>$(VAR)</c> expansion in env values, command and args, as k8s.io/kubernetes/third_party/forked/golang/expansion:
/// <c>$(NAME)</c> becomes the value when NAME is defined and stays as written otherwise; <c>$$</c> is an escaped
/// <c>$</c> (so <c>$$(NAME)</c> gives <c>$(NAME)</c>); any other <c>$</c> is kept.
/// </summary>
internal static class Expansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var sb = new StringBuilder(input.Length);
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (c != '$' || i + 1 >= input.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }

            if (next == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close < 0)
                {
                    // Unterminated reference: kept as written.
                    sb.Append(input, i, input.Length - i);
                    break;
                }

                var name = input.Substring(i + 2, close - i - 2);
                var value = name.Length > 0 ? lookup(name) : null;
                sb.Append(value ?? input.Substring(i, close - i + 1));
                i = close + 1;
                continue;
            }

            sb.Append(c);
            i++;
        }

        return sb.ToString();
    }
}
