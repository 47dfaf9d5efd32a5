using System.Net;
using System.Net.Sockets;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers;
using Berth.Server.Core;
using Berth.Store.Memory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>An API server in this process on a free loopback port, on a memory store, with the built-in controllers.</summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly bool _controllers;
    private WebApplication? _app;
    private string? _dir;

    public ServerFixture()
        : this(controllers: true)
    {
    }

    /// <param name="controllers">
    /// Whether the built-in controllers run: tests of the API's own semantics go without them, because a controller
    /// that writes the same object (a Deployment's status, a ReplicaSet's pods) makes their updates race it.
    /// </param>
    protected ServerFixture(bool controllers) => _controllers = controllers;

    public IApiClient Api { get; private set; } = null!;

    public ResourceService Resources => _app!.Services.GetRequiredService<ResourceService>();

    public ResourceRegistry Registry => ResourceRegistry.Default;

    public int Port { get; private set; }

    public string DataDir => _dir!;

    public ResourceType Type(string group, string plural) => Registry.Find(group, group.Length == 0 ? "v1" : "v1", plural)!;

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("bt-server-").FullName;
        Port = FreePort();
        _app = BerthServerHost.Build(new ServerOptions { DataDir = _dir, ApiPort = Port, BindAddress = "127.0.0.1", Store = "memory:" }, new MemoryStore(),
            s =>
            {
                if (_controllers)
                {
                    s.AddBerthControllers("test");
                }
            }, logging: l => l.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync();
        Api = _app.Services.GetRequiredService<LocalApiClient>();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
