namespace Berth.Api.Streams;

/// <summary>
/// The streaming operations on a running pod that the API proxies to the node that runs it (the
/// kubelet's <c>/containerLogs</c> and <c>/exec</c>): implemented by the agent, called by the server's
/// <c>pods/log</c> and <c>pods/exec</c> handlers. Failures that the client should see are
/// <see cref="Client.ApiException"/>s (400 for a bad container name or a container that is not running).
/// </summary>
public interface IPodStreams
{
    /// <summary>Writes the container's log (CRI log lines rendered as plain text) to <paramref name="output"/>; with Follow, until cancelled or the container ends.</summary>
    Task StreamLogAsync(PodRef pod, string container, LogOptions options, Stream output, CancellationToken cancellationToken);

    /// <summary>Runs a command in the container with the given streams; returns its exit code.</summary>
    Task<int> ExecAsync(PodRef pod, string container, ExecRequest request, ExecStreams streams, CancellationToken cancellationToken);
}

/// <summary>Which pod: namespace, name and uid (the uid tells a pod from a later one with the same name).</summary>
public sealed record PodRef(string Namespace, string Name, string Uid);

/// <summary>The query of <c>pods/log</c> (<c>PodLogOptions</c>).</summary>
public sealed record LogOptions
{
    public bool Follow { get; init; }

    public long? TailLines { get; init; }

    /// <summary>The log of the previous, terminated instance of the container.</summary>
    public bool Previous { get; init; }

    public bool Timestamps { get; init; }

    public long? SinceSeconds { get; init; }

    public DateTimeOffset? SinceTime { get; init; }

    public long? LimitBytes { get; init; }
}

/// <summary>The query of <c>pods/exec</c>.</summary>
public sealed record ExecRequest(IReadOnlyList<string> Command, bool Tty, bool Stdin, bool Stdout, bool Stderr);

/// <summary>The streams of one exec: whichever the client asked for, and terminal resizes when Tty.</summary>
public sealed class ExecStreams
{
    public Stream? Stdin { get; init; }

    public Stream? Stdout { get; init; }

    public Stream? Stderr { get; init; }

    /// <summary>Terminal sizes as the client's window changes (tty only).</summary>
    public System.Threading.Channels.ChannelReader<TerminalSize>? Resize { get; init; }
}

/// <summary>A terminal's size in character cells.</summary>
public readonly record struct TerminalSize(ushort Width, ushort Height);
