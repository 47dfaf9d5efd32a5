using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Tests;

/// <summary>A fresh directory under /tmp named bt-…, removed (with anything mounted under it detached) on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string purpose = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bt-{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 16)]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        foreach (var line in File.ReadAllLines("/proc/self/mounts").Reverse())
        {
            var target = line.Split(' ')[1];
            if (target.StartsWith(Path + "/", StringComparison.Ordinal))
            {
                _ = System.Diagnostics.Process.Start("umount", ["-l", target])?.WaitForExit(5000);
            }
        }
        if (Directory.Exists(Path))
        {
            ImageStore.RemoveTree(Path);
        }
    }
}
