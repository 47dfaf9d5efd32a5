using Berth.Store.Memory;
using Xunit;

namespace Berth.Store.Conformance;

[Trait("Tier", "Unit")]
public sealed class MemoryStoreConformanceTests : StoreConformanceTests
{
    protected override async Task<IStore> OpenStoreAsync()
    {
        var store = new MemoryStore();
        await store.StartAsync(Ct);
        return store;
    }
}
