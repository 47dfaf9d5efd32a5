using System.Text.Json;

namespace Berth.Bench.Scenarios;

/// <summary>The example images (examples/vm/build, idempotent), unpacked from their OCI archives.</summary>
internal sealed record VmBootImages(string Kernel, string Initrd, string Disk)
{
    public static VmBootImages Build(string repoRoot, string dataDir)
    {
        var build = VmBootShell.Try(Path.Combine(repoRoot, "examples", "vm", "build"), "--data-dir", dataDir, "--no-import");
        if (build.Code != 0)
        {
            throw new InvalidOperationException("examples/vm/build failed: " + build.StdErr + build.StdOut);
        }

        var root = Path.Combine(dataDir, "unpacked");
        var fingerprint = File.ReadAllText(Path.Combine(dataDir, "build", "vm-images.fingerprint"));
        var stamp = Path.Combine(root, "fingerprint");
        if (!File.Exists(stamp) || File.ReadAllText(stamp) != fingerprint)
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            Unpack(Path.Combine(dataDir, "build", "vm-kernel-boot.oci.tar"), Path.Combine(root, "kernel-boot"));
            Unpack(Path.Combine(dataDir, "build", "vm-containerdisk.oci.tar"), Path.Combine(root, "containerdisk"));
            File.WriteAllText(stamp, fingerprint);
        }

        return new VmBootImages(
            Path.Combine(root, "kernel-boot", "boot", "vmlinuz"),
            Path.Combine(root, "kernel-boot", "boot", "initrd"),
            Path.Combine(root, "containerdisk", "disk", "disk.qcow2"));
    }

    private static void Unpack(string archive, string target)
    {
        var layout = target + ".layout";
        Directory.CreateDirectory(layout);
        Directory.CreateDirectory(target);
        VmBootShell.Run("tar", "-C", layout, "-xf", archive);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        var manifest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        using var m = JsonDocument.Parse(File.ReadAllText(Blob(layout, manifest)));
        foreach (var layer in m.RootElement.GetProperty("layers").EnumerateArray())
        {
            VmBootShell.Run("tar", "-C", target, "-xzf", Blob(layout, layer.GetProperty("digest").GetString()!));
        }

        Directory.Delete(layout, recursive: true);
    }

    private static string Blob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
}
