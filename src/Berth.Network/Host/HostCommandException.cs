namespace Berth.Network.Host;

/// <summary>A host tool exited with a non-zero code; the message carries its command line and stderr.</summary>
public sealed class HostCommandException(string file, IReadOnlyList<string> arguments, CommandResult result)
    : Exception($"'{file} {string.Join(' ', arguments)}' exited {result.ExitCode}: {result.StandardError.Trim()}")
{
    public CommandResult Result { get; } = result;
}
