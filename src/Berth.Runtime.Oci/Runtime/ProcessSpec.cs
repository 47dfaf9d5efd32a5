namespace Berth.Runtime.Oci.Runtime;

/// <summary>The container's main process (OCI <c>process</c>).</summary>
public sealed record ProcessSpec
{
    /// <summary>Required, non-empty: the executable (resolved through PATH inside the container) and its arguments.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary><c>NAME=value</c> entries. A <c>PATH</c> is added when none is given (as containerd does).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Absolute working directory; created by the runtime when missing.</summary>
    public string WorkingDir { get; init; } = "/";

    /// <summary>Numeric identity of the process; name resolution (image USER) is the caller's business.</summary>
    public ProcessUser User { get; init; } = ProcessUser.Root;

    /// <summary>Allocate a pseudo-terminal for the process (Kubernetes <c>tty: true</c>); its output is logged as stdout.</summary>
    public bool Tty { get; init; }

    /// <summary>Keep a stdin pipe open for the process (Kubernetes <c>stdin: true</c>). Nothing attaches to it yet.</summary>
    public bool Stdin { get; init; }

    /// <summary>Written to /proc/PID/oom_score_adj (the kubelet derives it from the QoS class). Null: inherited.</summary>
    public int? OomScoreAdj { get; init; }
}
