using Berth.Store.Etcd;
using Berth.Store.Memory;
using Berth.Store.Sqlite;
using Xunit;

namespace Berth.Store.Tests;

[Trait("Tier", "Unit")]
public sealed class StoreFactoryTests
{
    [Fact]
    public async Task MemoryNamesTheMemoryStore()
    {
        await using var store = StoreFactory.Create("memory:");
        Assert.IsType<MemoryStore>(store);
    }

    [Theory]
    [InlineData("sqlite:/var/lib/berth/state.db", "/var/lib/berth/state.db")]
    [InlineData("sqlite:/var/lib/berth/", "/var/lib/berth/state.db")]
    [InlineData("sqlite:/tmp", "/tmp/state.db")]
    [InlineData("sqlite:/srv/b/other.sqlite", "/srv/b/other.sqlite")]
    public async Task SqliteNamesAFileOrADirectory(string spec, string path)
    {
        await using var store = StoreFactory.Create(spec);
        Assert.Equal(path, Assert.IsType<SqliteStore>(store).Path);
    }

    [Fact]
    public async Task EtcdNamesEndpointsAndAPrefix()
    {
        await using var store = StoreFactory.Create("etcd:http://127.0.0.1:2379");
        Assert.IsType<EtcdStore>(store);

        var defaults = StoreFactory.EtcdOptions("http://127.0.0.1:2379", "spec");
        Assert.Equal([new Uri("http://127.0.0.1:2379")], defaults.Endpoints);
        Assert.Equal("/berth", defaults.Prefix);

        var several = StoreFactory.EtcdOptions("http://10.0.0.1:2379, https://10.0.0.2:2379?prefix=/clusters/a", "spec");
        Assert.Equal([new Uri("http://10.0.0.1:2379"), new Uri("https://10.0.0.2:2379")], several.Endpoints);
        Assert.Equal("/clusters/a", several.Prefix);

        Assert.Equal(string.Empty, StoreFactory.EtcdOptions("http://h:1?prefix=", "spec").Prefix);
    }

    [Theory]
    [InlineData("")]
    [InlineData("postgres://x")]
    [InlineData("sqlite:")]
    [InlineData("etcd:")]
    [InlineData("etcd:127.0.0.1:2379")]
    [InlineData("etcd:http://h:1?limit=5")]
    public void BadSpecsAreRefusedWithTheAcceptedForms(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => StoreFactory.Create(spec));
        Assert.Contains(spec.Length == 0 ? "sqlite:PATH" : spec, e.Message, StringComparison.Ordinal);
    }
}
