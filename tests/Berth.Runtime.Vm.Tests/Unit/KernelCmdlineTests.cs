namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class KernelCmdlineTests
{
    [Theory]
    [InlineData(null, "console=ttyS0")]
    [InlineData("", "console=ttyS0")]
    [InlineData("quiet", "quiet console=ttyS0")]
    [InlineData("  quiet   loglevel=3\n", "quiet loglevel=3 console=ttyS0")]
    [InlineData("console=ttyS0", "console=ttyS0")]
    [InlineData("console=tty0 console=ttyS0,115200 quiet", "console=tty0 console=ttyS0,115200 quiet")]
    [InlineData("berth.ip=10.1.2.3/24 berth.gw=10.1.2.1", "berth.ip=10.1.2.3/24 berth.gw=10.1.2.1 console=ttyS0")]
    public void Appends_the_serial_console_unless_one_is_named(string? user, string expected)
    {
        Assert.Equal(expected, KernelCmdline.Build(user));
    }
}
