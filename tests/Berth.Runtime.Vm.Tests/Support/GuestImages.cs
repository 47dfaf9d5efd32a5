using System.Text.Json;

namespace Berth.Runtime.Vm.Tests.Support;

/// <summary>
/// The example images of examples/vm, built once (the build is idempotent and takes ~10 s the
/// first time) into /tmp/berth-vm-test-images and unpacked from their OCI archives: what the
/// image store will hand the agent.
/// </summary>
public sealed class GuestImages
{
    private static readonly Lazy<GuestImages> Instance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private GuestImages(string root)
    {
        Root = root;
    }

    public static GuestImages Get() => Instance.Value;

    public string Root { get; }

    public string Kernel => Path.Combine(Root, "kernel-boot", "boot", "vmlinuz");

    public string Initrd => Path.Combine(Root, "kernel-boot", "boot", "initrd");

    public string Disk => Path.Combine(Root, "containerdisk", "disk", "disk.qcow2");

    private static GuestImages Build()
    {
        var dataDir = "/tmp/berth-vm-test-images";
        var build = Sh.Try(Path.Combine(RepoRoot.Path, "examples", "vm", "build"), "--data-dir", dataDir, "--no-import");
        if (build.Code != 0)
        {
            throw new InvalidOperationException($"examples/vm/build failed: {build.StdErr}{build.StdOut}");
        }

        var root = Path.Combine(dataDir, "unpacked");
        var stamp = Path.Combine(root, "fingerprint");
        var fingerprint = File.ReadAllText(Path.Combine(dataDir, "build", "vm-images.fingerprint"));
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

        return new GuestImages(root);
    }

    /// <summary>Unpacks an OCI image-layout archive's single image: index → manifest → layers, in order.</summary>
    private static void Unpack(string archive, string target)
    {
        var layout = target + ".layout";
        Directory.CreateDirectory(layout);
        Directory.CreateDirectory(target);
        Sh.Run("tar", "-C", layout, "-xf", archive);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        using var manifest = JsonDocument.Parse(File.ReadAllText(Blob(layout, manifestDigest)));
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
        {
            Sh.Run("tar", "-C", target, "-xzf", Blob(layout, layer.GetProperty("digest").GetString()!));
        }

        Directory.Delete(layout, recursive: true);
    }

    private static string Blob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
}
