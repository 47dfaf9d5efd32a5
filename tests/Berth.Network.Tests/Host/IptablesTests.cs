using Berth.Network.Host;
using Xunit;

namespace Berth.Network.Tests.Host;

[Trait("Tier", "Unit")]
public sealed class IptablesTests
{
    [Fact]
    public void SplitKeepsQuotedCommentsWhole()
    {
        var args = Iptables.Split("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ");
        Assert.Equal(["-A", "POSTROUTING", "-m", "comment", "--comment", "CNI portfwd requiring masquerade", "-j", "CNI-HOSTPORT-MASQ"], args);
    }

    [Fact]
    public void SplitHandlesEscapedQuotes() =>
        Assert.Equal(["--comment", "name: \"berth\" id: \"x\""], Iptables.Split("--comment \"name: \\\"berth\\\" id: \\\"x\\\"\""));
}
