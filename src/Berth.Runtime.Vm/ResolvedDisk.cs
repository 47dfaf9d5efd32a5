namespace Berth.Runtime.Vm;

/// <summary>A disk as QEMU opens it: the file (overlay, empty disk, or the direct file) and its format.</summary>
public sealed record ResolvedDisk(string Name, string File, string Format, bool ReadOnly, bool Boot);
