namespace Berth.Runtime.Oci.Build;

/// <summary>
/// One Containerfile instruction after parsing (before variable expansion).
/// </summary>
/// <param name="Keyword">Upper-case keyword: FROM, RUN, COPY, …</param>
/// <param name="Flags">Leading <c>--name=value</c> flags (COPY --chown, FROM --platform), by name.</param>
/// <param name="Arguments">The rest of the line (continuations joined, flags removed).</param>
/// <param name="ExecForm">The JSON-array form (<c>["a","b"]</c>) when used, else null (shell form).</param>
/// <param name="Line">1-based line where the instruction starts, for error messages.</param>
public sealed record Instruction(string Keyword, IReadOnlyDictionary<string, string> Flags, string Arguments, IReadOnlyList<string>? ExecForm, int Line)
{
    /// <summary>The instruction as written (normalised whitespace): what the build cache and image history record.</summary>
    public string Text => Keyword + " " + string.Concat(Flags.Select(f => $"--{f.Key}={f.Value} ")) + Arguments;
}
