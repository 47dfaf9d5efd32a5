using Berth.Agent.Vm;
using Xunit;

namespace Berth.Agent.Tests.Vm;

/// <summary>Finding a VM image's kernel, initrd and disk through its unpacked layers, whiteouts and opaque directories honoured.</summary>
[Trait("Tier", "Unit")]
public sealed class ImageFilesTests
{
    // Layers top-most first, as ResolvedImage.LayerDirs.
    private static readonly string[] Layers = ["/L2", "/L1", "/L0"];

    [Fact]
    public void A_file_comes_from_the_topmost_layer_that_has_it()
    {
        var fs = new FakeLayers().File("/L0/boot/vmlinuz").File("/L1/boot/vmlinuz").File("/L0/boot/initrd");
        var image = new ImageFiles(Layers, fs);
        Assert.Equal("/L1/boot/vmlinuz", image.FindFile("/boot/vmlinuz"));
        Assert.Equal("/L0/boot/initrd", image.FindFile("boot/initrd"));
        Assert.Null(image.FindFile("/boot/missing"));
        Assert.Null(image.FindFile("/boot"));
    }

    [Fact]
    public void A_whiteout_in_an_upper_layer_hides_the_file_below()
    {
        var fs = new FakeLayers().File("/L0/disk/old.qcow2").Whiteout("/L1/disk/old.qcow2").File("/L1/disk/new.qcow2");
        var image = new ImageFiles(Layers, fs);
        Assert.Null(image.FindFile("/disk/old.qcow2"));
        Assert.Equal([("new.qcow2", "/L1/disk/new.qcow2")], image.ListFiles("/disk"));
    }

    [Fact]
    public void A_whiteout_of_the_directory_hides_everything_in_it()
    {
        var fs = new FakeLayers().File("/L0/disk/a.img").Whiteout("/L2/disk");
        var image = new ImageFiles(Layers, fs);
        Assert.Null(image.FindFile("/disk/a.img"));
        Assert.Empty(image.ListFiles("/disk"));
    }

    [Fact]
    public void An_opaque_directory_hides_the_lower_layers_contents_but_keeps_its_own()
    {
        var fs = new FakeLayers().File("/L0/disk/a.img").Dir("/L1/disk", opaque: true).File("/L1/disk/b.img").File("/L2/disk/c.img");
        var image = new ImageFiles(Layers, fs);
        Assert.Null(image.FindFile("/disk/a.img"));
        Assert.Equal(["b.img", "c.img"], image.ListFiles("/disk").Select(f => f.Name));
    }

    [Fact]
    public void Files_of_directories_in_several_layers_merge()
    {
        var fs = new FakeLayers().File("/L0/disk/a.img").File("/L2/disk/b.img").Dir("/L1/disk/sub");
        var image = new ImageFiles(Layers, fs);
        Assert.Equal([("a.img", "/L0/disk/a.img"), ("b.img", "/L2/disk/b.img")], image.ListFiles("/disk"));
    }

    [Fact]
    public void Symlinks_resolve_inside_the_image_absolute_and_relative()
    {
        var fs = new FakeLayers()
            .File("/L0/boot/vmlinuz-6.1.0-amd64")
            .Link("/L1/vmlinuz", "boot/vmlinuz-6.1.0-amd64")
            .Link("/L1/boot/vmlinuz", "/boot/../boot/vmlinuz-6.1.0-amd64")
            .Link("/L2/k", "/vmlinuz")
            .Link("/L2/loop", "/loop")
            .Link("/L0/disk/d.img", "../images/d.img")
            .File("/L0/images/d.img");
        var image = new ImageFiles(Layers, fs);
        Assert.Equal("/L0/boot/vmlinuz-6.1.0-amd64", image.FindFile("/vmlinuz"));
        Assert.Equal("/L0/boot/vmlinuz-6.1.0-amd64", image.FindFile("/boot/vmlinuz"));
        Assert.Equal("/L0/boot/vmlinuz-6.1.0-amd64", image.FindFile("/k"));
        Assert.Null(image.FindFile("/loop"));
        Assert.Equal([("d.img", "/L0/images/d.img")], image.ListFiles("/disk"));
    }

    [Fact]
    public void An_upper_file_replaces_a_lower_directory()
    {
        var fs = new FakeLayers().File("/L0/boot/vmlinuz/inner").File("/L1/boot/vmlinuz");
        var image = new ImageFiles(Layers, fs);
        Assert.Equal("/L1/boot/vmlinuz", image.FindFile("/boot/vmlinuz"));
        Assert.Null(image.FindFile("/boot/vmlinuz/inner"));
    }
}
