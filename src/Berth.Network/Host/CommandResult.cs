namespace Berth.Network.Host;

/// <summary>What a finished host command left: its exit code and everything it wrote.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
