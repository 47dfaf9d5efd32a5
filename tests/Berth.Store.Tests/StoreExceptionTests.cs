using Xunit;

namespace Berth.Store.Tests;

[Trait("Tier", "Unit")]
public sealed class StoreExceptionTests
{
    [Fact]
    public void CompactedExceptionNamesTheOldestAvailableRevision()
    {
        var e = new CompactedException(3, 10);
        Assert.Contains("oldest available is 11", e.Message);
    }
}
