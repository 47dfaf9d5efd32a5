using System.Threading.Channels;
using Berth.Api.Streams;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// A process to run in a container. Without a tty, stdout and stderr are separate streams; with a tty,
/// everything comes back on <see cref="Stdout"/> (as with kubectl exec -t) and <see cref="Resize"/>
/// changes the terminal's size. The process gets the container's environment plus <see cref="Env"/>,
/// and the container's capabilities and privileges. Cancelling the token kills the process.
/// </summary>
public sealed record ExecSpec
{
    /// <summary>Required, non-empty.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>Extra <c>NAME=value</c> entries, appended to the container's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Null: the container's working directory.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>Null: the container's user.</summary>
    public ProcessUser? User { get; init; }

    public bool Tty { get; init; }

    /// <summary>Copied to the process's stdin; its end closes stdin. Null: stdin is empty.</summary>
    public Stream? Stdin { get; init; }

    /// <summary>Null: output discarded.</summary>
    public Stream? Stdout { get; init; }

    /// <summary>Null: discarded. Unused with a tty.</summary>
    public Stream? Stderr { get; init; }

    /// <summary>Terminal size changes (tty only): the channel of the server's <see cref="ExecStreams.Resize"/> can be passed as is.</summary>
    public ChannelReader<TerminalSize>? Resize { get; init; }

    /// <summary>Initial terminal size (tty only).</summary>
    public TerminalSize? InitialSize { get; init; }
}
