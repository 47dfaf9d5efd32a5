using Berth.Store.Etcd;
using Xunit;

namespace Berth.Store.Conformance;

/// <summary>
/// The suite against a real etcd (started once for the class by <see cref="EtcdServer"/>). Each test
/// gets its own key prefix, so tests see empty keys; revisions and compaction are etcd-wide, which
/// the suite allows for. Lists page by 100 keys here so paging is exercised.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class EtcdStoreConformanceTests(EtcdServer etcd) : StoreConformanceTests, IClassFixture<EtcdServer>
{
    protected override async Task<IStore> OpenStoreAsync()
    {
        var store = new EtcdStore(new EtcdStoreOptions
        {
            Endpoints = [etcd.ClientUrl],
            Prefix = $"/bt-{Guid.NewGuid():N}",
            ListPageSize = 100,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
        await store.StartAsync(Ct);
        return store;
    }
}
