namespace Berth.Runtime.Oci.Runtime;

/// <summary>A namespace choice: a new one, the host's (no namespace entry in config.json), or an existing one joined by path.</summary>
public sealed record NamespaceRef
{
    private NamespaceRef(NamespaceMode mode, string? path)
    {
        Mode = mode;
        Path = path;
    }

    public static NamespaceRef New { get; } = new(NamespaceMode.New, null);

    public static NamespaceRef Host { get; } = new(NamespaceMode.Host, null);

    public NamespaceMode Mode { get; }

    /// <summary>For <see cref="NamespaceMode.Join"/>: e.g. <c>/var/run/netns/NAME</c> or <c>/proc/PID/ns/ipc</c>.</summary>
    public string? Path { get; }

    public static NamespaceRef Join(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new NamespaceRef(NamespaceMode.Join, path);
    }
}
