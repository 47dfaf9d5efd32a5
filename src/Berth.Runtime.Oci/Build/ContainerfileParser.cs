using System.Text;
using System.Text.Json;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Parses a Containerfile/Dockerfile into instructions, following the Dockerfile reference
/// (https://docs.docker.com/reference/dockerfile/): case-insensitive keywords, <c>\</c> line
/// continuations, <c>#</c> comment lines (also inside continuations), <c>--flag=value</c> options,
/// exec (JSON array) and shell forms. Heredocs and the <c># escape=</c> directive are not supported.
/// </summary>
public static class ContainerfileParser
{
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>
    {
        "FROM", "ARG", "COPY", "ADD", "RUN", "ENV", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "EXPOSE", "LABEL",
        "STOPSIGNAL", "VOLUME", "MAINTAINER",
    };

    public static IReadOnlyList<Instruction> Parse(string text, string fileName = "Containerfile")
    {
        var result = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new StringBuilder();
        var startLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('#') || (current.Length == 0 && trimmed.Length == 0))
            {
                continue;
            }
            if (current.Length == 0)
            {
                startLine = i + 1;
            }
            var t = line.TrimEnd();
            if (t.EndsWith('\\'))
            {
                current.Append(t[..^1]).Append(' ');
                continue;
            }
            current.Append(t);
            result.Add(ParseInstruction(current.ToString().Trim(), startLine, fileName));
            current.Clear();
        }
        if (current.Length > 0)
        {
            result.Add(ParseInstruction(current.ToString().Trim(), startLine, fileName));
        }
        if (result.Count == 0 || result[0].Keyword is not ("FROM" or "ARG"))
        {
            throw new BuildException($"{fileName}: the first instruction must be FROM (or ARG before FROM)");
        }
        return result;
    }

    private static Instruction ParseInstruction(string text, int line, string fileName)
    {
        var space = text.IndexOfAny([' ', '\t']);
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..].Trim();
        if (!Supported.Contains(keyword))
        {
            throw new BuildException($"{fileName}:{line}: instruction {keyword} is not supported (supported: {string.Join(", ", Supported.Order())})");
        }
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (rest.StartsWith("--", StringComparison.Ordinal) && keyword is "COPY" or "ADD" or "FROM" or "RUN")
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var flag = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
            var eq = flag.IndexOf('=');
            flags[eq < 0 ? flag[2..] : flag[2..eq]] = eq < 0 ? "true" : flag[(eq + 1)..];
        }
        IReadOnlyList<string>? exec = null;
        if (rest.StartsWith('[') && keyword is "RUN" or "CMD" or "ENTRYPOINT" or "COPY" or "ADD" or "VOLUME")
        {
            try
            {
                exec = JsonSerializer.Deserialize(rest, OciJsonContext.Default.ListString);
            }
            catch (JsonException)
            {
                // Not valid JSON: Docker treats it as shell form, so do we.
            }
        }
        if (rest.Length == 0 && keyword is not ("CMD" or "ENTRYPOINT"))
        {
            throw new BuildException($"{fileName}:{line}: {keyword} needs arguments");
        }
        return new Instruction(keyword, flags, rest, exec, line);
    }

    /// <summary>
    /// Splits a shell-form argument list into words: whitespace separates, quotes group, backslash
    /// escapes (what Docker does for COPY/ADD/EXPOSE/VOLUME and the legacy <c>ENV K V</c>).
    /// </summary>
    public static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < text.Length)
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
            }
            else
            {
                word.Append(c);
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    /// <summary>
    /// <c>K=V K2="v w"</c> pairs (ENV, LABEL, ARG); the legacy <c>ENV K some value</c> form (no <c>=</c>
    /// in the first word) gives one pair with the rest of the line as value.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParsePairs(string text, bool allowLegacy)
    {
        var words = SplitWords(text);
        if (words.Count == 0)
        {
            return [];
        }
        if (allowLegacy && !words[0].Contains('='))
        {
            var value = text.Trim()[words[0].Length..].Trim();
            return [new(words[0], string.Join(' ', SplitWords(value)))];
        }
        return words.Select(w =>
        {
            var eq = w.IndexOf('=');
            if (eq <= 0)
            {
                throw new BuildException($"\"{w}\" is not KEY=VALUE");
            }
            return new KeyValuePair<string, string>(w[..eq], w[(eq + 1)..]);
        }).ToList();
    }
}
