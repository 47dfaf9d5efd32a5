using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>One berth process shared by the tests of a class (xunit class fixture).</summary>
public sealed class BerthFixture : IAsyncLifetime
{
    private string? _cache;

    public BerthProcess Berth { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Berth = await BerthProcess.StartAsync();
        _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        Kubectl = new Kubectl(Berth.Kubeconfig, _cache);
    }

    public async ValueTask DisposeAsync()
    {
        await Berth.DisposeAsync();
        if (_cache is not null)
        {
            Directory.Delete(_cache, recursive: true);
        }
    }
}
