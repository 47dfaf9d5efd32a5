using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class CapabilitiesTests
{
    private static readonly IReadOnlySet<string> All = Capabilities.Known.ToHashSet();

    [Theory]
    [InlineData("net_raw", "CAP_NET_RAW")]
    [InlineData("NET_ADMIN", "CAP_NET_ADMIN")]
    [InlineData(" CAP_SYS_ADMIN ", "CAP_SYS_ADMIN")]
    [InlineData("all", "ALL")]
    public void NamesAreNormalized(string given, string expected) => Assert.Equal(expected, Capabilities.Normalize(given));

    [Fact]
    public void UnknownNamesAreRefused() => Assert.Throws<ArgumentException>(() => Capabilities.Normalize("CAP_TELEPORT"));

    [Fact]
    public void TheDefaultSetIsContainerds()
    {
        Assert.Equal(14, Capabilities.Default.Count);
        Assert.Equal(Capabilities.Default.Order(), Capabilities.Compute(new SecuritySpec(), All).Order());
    }

    [Theory]
    [InlineData("NET_ADMIN", "", "+CAP_NET_ADMIN")]
    [InlineData("", "NET_RAW,MKNOD", "-CAP_NET_RAW,-CAP_MKNOD")]
    [InlineData("NET_ADMIN", "NET_ADMIN", "")]
    [InlineData("", "ALL", "=")]
    [InlineData("NET_BIND_SERVICE", "ALL", "=CAP_NET_BIND_SERVICE")]
    [InlineData("ALL", "", "=*")]
    [InlineData("ALL", "SYS_ADMIN", "=*,-CAP_SYS_ADMIN")]
    public void AddThenDropAsContainerdDoes(string add, string drop, string expected)
    {
        var spec = new SecuritySpec
        {
            CapAdd = add.Split(',', StringSplitOptions.RemoveEmptyEntries),
            CapDrop = drop.Split(',', StringSplitOptions.RemoveEmptyEntries),
        };
        var result = Capabilities.Compute(spec, All).ToHashSet();
        var want = Expected(expected);
        Assert.Equal(want.Order(), result.Order());
    }

    [Fact]
    public void PrivilegedGetsWhatTheHostAllows()
    {
        var host = All.Where(c => c != "CAP_SYS_RESOURCE").ToHashSet();
        var caps = Capabilities.Compute(new SecuritySpec { Privileged = true }, host);
        Assert.Equal(host.Order(), caps.Order());
    }

    [Fact]
    public void AddingWhatTheHostCannotGiveIsAnErrorButAllIsNot()
    {
        var host = All.Where(c => c != "CAP_SYS_RESOURCE").ToHashSet();
        var e = Assert.Throws<ArgumentException>(() => Capabilities.Compute(new SecuritySpec { CapAdd = ["SYS_RESOURCE"] }, host));
        Assert.Contains("CAP_SYS_RESOURCE", e.Message);
        Assert.DoesNotContain("CAP_SYS_RESOURCE", Capabilities.Compute(new SecuritySpec { CapAdd = ["ALL"] }, host));
    }

    [Fact]
    public void MasksDecodeAsProcPrintsThem()
    {
        Assert.Equal(Capabilities.Default.Order(), Capabilities.FromMask(0xa80425fb).Order());
        Assert.NotEmpty(Capabilities.HostBoundingSet());
    }

    /// <summary>"=" start from nothing, "=*" from everything, otherwise from the default; then +ADD / -DROP / =NAME entries.</summary>
    private static HashSet<string> Expected(string text)
    {
        var set = new HashSet<string>(Capabilities.Default);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "=")
            {
                set.Clear();
            }
            else if (part == "=*")
            {
                set = [.. Capabilities.Known];
            }
            else if (part.StartsWith('='))
            {
                set = [part[1..]];
            }
            else if (part.StartsWith('+'))
            {
                set.Add(part[1..]);
            }
            else if (part.StartsWith('-'))
            {
                set.Remove(part[1..]);
            }
        }

        return set;
    }
}
