using System.Text.Json;
using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>The contract of examples/vm/build: two OCI image-layout archives, named by annotation, laid out as KubeVirt expects.</summary>
[Trait("Tier", "Integration")]
public sealed class ExampleImagesTests
{
    private static string Archive(string name) => Path.Combine("/tmp/berth-vm-test-images/build", name);

    [Theory]
    [InlineData("vm-kernel-boot.oci.tar", "examples/vm-kernel-boot:latest")]
    [InlineData("vm-containerdisk.oci.tar", "examples/vm-containerdisk:latest")]
    public void Each_archive_is_an_oci_layout_that_skopeo_reads_under_its_name(string file, string reference)
    {
        GuestImages.Get();
        var index = Sh.Run("tar", "-xOf", Archive(file), "index.json");
        using var doc = JsonDocument.Parse(index);
        var manifest = Assert.Single(doc.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal(reference, manifest.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", Sh.Run("tar", "-xOf", Archive(file), "oci-layout"));

        var inspect = Sh.Run("skopeo", "inspect", $"oci-archive:{Archive(file)}:{reference}");
        using var info = JsonDocument.Parse(inspect);
        Assert.Equal(("amd64", "linux"), (info.RootElement.GetProperty("Architecture").GetString(), info.RootElement.GetProperty("Os").GetString()));
    }

    [Fact]
    public void The_images_hold_what_kernel_boot_and_container_disk_expect()
    {
        var images = GuestImages.Get();
        Assert.True(new FileInfo(images.Kernel).Length > 1 << 20, "a kernel at /boot/vmlinuz");
        Assert.True(new FileInfo(images.Initrd).Length > 1 << 19, "an initrd at /boot/initrd");
        var disk = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(images.Disk)!));
        Assert.Equal("qcow2", VmRuntime.SniffFormat(disk));
    }

    [Fact]
    public void Building_again_changes_nothing()
    {
        GuestImages.Get();
        var before = Sh.Run("sha256sum", Archive("vm-kernel-boot.oci.tar"), Archive("vm-containerdisk.oci.tar"));
        var again = Sh.Run(Path.Combine(RepoRoot.Path, "examples", "vm", "build"), "--data-dir", "/tmp/berth-vm-test-images", "--no-import");
        Assert.Contains("images up to date", again, StringComparison.Ordinal);
        Assert.Equal(before, Sh.Run("sha256sum", Archive("vm-kernel-boot.oci.tar"), Archive("vm-containerdisk.oci.tar")));
    }
}
