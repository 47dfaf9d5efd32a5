namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class DiskFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-fmt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Qcow2_is_told_by_its_magic_and_anything_else_is_raw()
    {
        var qcow2 = Path.Combine(_dir, "a.qcow2");
        File.WriteAllBytes(qcow2, [0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]);
        var raw = Path.Combine(_dir, "a.raw");
        File.WriteAllBytes(raw, new byte[512]);
        var tiny = Path.Combine(_dir, "tiny");
        File.WriteAllBytes(tiny, [0x51]);

        Assert.Equal("qcow2", VmRuntime.SniffFormat(qcow2));
        Assert.Equal("raw", VmRuntime.SniffFormat(raw));
        Assert.Equal("raw", VmRuntime.SniffFormat(tiny));
        Assert.Throws<VmRuntimeException>(() => VmRuntime.SniffFormat(Path.Combine(_dir, "missing")));
    }
}
