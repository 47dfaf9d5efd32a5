namespace Berth.Agent.Vm;

/// <summary>The few file-system questions <see cref="ImageFiles"/> asks of unpacked layers (the host's, or a fake in unit tests).</summary>
internal interface IImageFileSystem
{
    /// <summary>What the path itself is, without following a final symlink.</summary>
    ImageEntryKind KindOf(string hostPath);

    /// <summary>Whether the directory carries overlayfs' opaque marker (<c>trusted.overlay.opaque=y</c>).</summary>
    bool IsOpaque(string hostDirectory);

    string? ReadLink(string hostPath);

    /// <summary>The names in a directory of one layer.</summary>
    IEnumerable<string> List(string hostDirectory);
}
