namespace Berth.Runtime.Oci.Runtime;

/// <summary>Where an <see cref="OciRuntime"/> keeps its containers and which binaries it drives.</summary>
public sealed record OciRuntimeOptions
{
    /// <summary>Required: the node's data directory; containers live in <c>DataDir/containers/ID</c>.</summary>
    public required string DataDir { get; init; }

    /// <summary>runc or crun with its <c>--root</c> (<c>/run/berth/runc</c> by default).</summary>
    public OciRuntimeBinary Binary { get; init; } = OciRuntimeBinary.Runc();

    public string ConmonPath { get; init; } = "/usr/bin/conmon";

    /// <summary>conmon's attach socket symlinks (short path: unix socket paths are limited to 108 bytes).</summary>
    public string SocketDir { get; init; } = "/run/berth/conmon";

    /// <summary>Directory for exec console sockets (short path, as above).</summary>
    public string ConsoleSocketDir { get; init; } = "/run/berth/console";

    /// <summary>cgroup ancestors of a container below this path are removed on delete once empty; this one is kept.</summary>
    public string CgroupRoot { get; init; } = "/berth";

    /// <summary>How long a create may take before it is abandoned and cleaned up.</summary>
    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>conmon's <c>--log-size-max</c>: past it conmon truncates the log. Null: unlimited (rotation is the agent's business).</summary>
    public long? LogSizeMax { get; init; }
}
