namespace Berth.Agent.Vm;

/// <summary>What one name in one unpacked layer is (from <c>lstat</c>).</summary>
internal enum ImageEntryKind
{
    Missing,
    File,
    Directory,
    Symlink,

    /// <summary>A 0,0 character device: the layer deletes this name from the layers below.</summary>
    Whiteout,

    /// <summary>Sockets, fifos, other devices: never a VM's kernel or disk.</summary>
    Other,
}
