using Berth.Store;
using Xunit;

namespace Berth.Store.Tests;

[Trait("Tier", "Unit")]
public sealed class WatchEventTests
{
    [Fact]
    public void EventsAreEqualByWhatTheyReportNotByWhatALayerAboveCachedOnThem()
    {
        var value = new byte[] { 1, 2, 3 };
        var a = new WatchEvent(WatchEventType.Created, "/k", value, 5, 5, null);
        var b = new WatchEvent(WatchEventType.Created, "/k", value, 5, 5, null) { Decoded = "parsed" };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a with { Revision = 6 });
        Assert.NotEqual(a, a with { Type = WatchEventType.Updated });
    }
}
