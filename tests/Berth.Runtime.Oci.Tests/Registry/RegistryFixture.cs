using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>One docker-registry per test class, killed when the class is done.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private RegistryServer? _server;

    internal RegistryServer Server => _server ?? throw new InvalidOperationException("registry not started");

    public async ValueTask InitializeAsync()
    {
        TestEnvironment.RequireRoot();
        _server = await RegistryServer.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
