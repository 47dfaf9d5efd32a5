using Berth.Testing;
using Xunit;

namespace Berth.Store.Conformance;

/// <summary>A class fixture holding one <see cref="EtcdProcess"/> (a real etcd on loopback) for the suite's etcd run.</summary>
public sealed class EtcdServer : IAsyncLifetime
{
    private EtcdProcess? _etcd;

    public Uri ClientUrl => new(_etcd?.ClientUrl ?? throw new InvalidOperationException("etcd is not started"));

    public async ValueTask InitializeAsync() => _etcd = await EtcdProcess.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }
}
