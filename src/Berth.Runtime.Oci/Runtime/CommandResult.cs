namespace Berth.Runtime.Oci.Runtime;

/// <summary>The outcome of a short helper command (runc state, unshare, ip netns...).</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    /// <summary>stderr, else stdout, trimmed: what to put in an error message.</summary>
    public string Message => (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
}
