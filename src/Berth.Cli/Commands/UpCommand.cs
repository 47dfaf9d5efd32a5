using System.ComponentModel;
using Berth.Agent;
using Berth.Agent.Metrics;
using Berth.Controllers;
using Berth.Controllers.Runtime;
using Berth.Server;
using Berth.Server.Http;
using Berth.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth up</c>: everything in one process — the API server on its embedded store, the
/// controllers, the scheduler and the node agent. Writes <c>DATA_DIR/kubeconfig</c>; <c>/readyz</c>
/// answers 200 once all of them are ready; SIGTERM stops it cleanly and leaves workloads running
/// for the next start.
/// </summary>
public sealed class UpCommand : AsyncCommand<UpCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data-dir <DIR>")]
        [Description("State, certificates, images and the kubeconfig. Default /var/lib/berth.")]
        public string DataDir { get; init; } = "/var/lib/berth";

        [CommandOption("--api-port <PORT>")]
        [Description("HTTPS port of the Kubernetes API. Default 6443.")]
        public int ApiPort { get; init; } = 6443;

        [CommandOption("--node-name <NAME>")]
        [Description("This node's name. Default: the host name.")]
        public string? NodeName { get; init; }

        [CommandOption("--pod-cidr <CIDR>")]
        [Description("This node's pod network. Default 10.244.0.0/24.")]
        public string PodCidr { get; init; } = "10.244.0.0/24";

        [CommandOption("--bridge <NAME>")]
        [Description("Linux bridge joining the pods. Default berth0.")]
        public string Bridge { get; init; } = "berth0";

        [CommandOption("--store <URI>")]
        [Description("sqlite:PATH (default DATA_DIR/state.db), etcd:http://HOST:PORT, or memory:.")]
        public string? Store { get; init; }

        [CommandOption("--bind-address <ADDR>")]
        [Description("Address the API listens on. Default 0.0.0.0.")]
        public string BindAddress { get; init; } = "0.0.0.0";

        [CommandOption("--advertise-address <ADDR>")]
        [Description("Address written into the kubeconfig. Default 127.0.0.1.")]
        public string AdvertiseAddress { get; init; } = "127.0.0.1";

        public override Spectre.Console.ValidationResult Validate() =>
            ApiPort is < 1 or > 65535
                ? Spectre.Console.ValidationResult.Error($"--api-port must be between 1 and 65535, not {ApiPort}")
                : !System.Net.IPNetwork.TryParse(PodCidr, out _)
                    ? Spectre.Console.ValidationResult.Error($"--pod-cidr must be a CIDR such as 10.244.0.0/24, not {PodCidr}")
                    : Spectre.Console.ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataDir = Path.GetFullPath(settings.DataDir);
        var nodeName = settings.NodeName ?? System.Net.Dns.GetHostName().ToLowerInvariant();
        var options = new ServerOptions
        {
            DataDir = dataDir,
            ApiPort = settings.ApiPort,
            BindAddress = settings.BindAddress,
            AdvertiseAddress = settings.AdvertiseAddress,
            Store = settings.Store,
            ExtraSans = [nodeName],
        };

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
        IStore store;
        try
        {
            store = StoreFactory.Create(options.StoreUri, loggers);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"berth: bad --store value: {e.Message}");
            return 2;
        }

        var app = BerthServerHost.Build(options, store, services =>
        {
            services.AddBerthControllers($"{nodeName}:{dataDir}", new WorkloadOptions { DataDir = dataDir });
            services.AddBerthAgent(new AgentOptions
            {
                NodeName = nodeName,
                DataDir = dataDir,
                PodCidr = System.Net.IPNetwork.Parse(settings.PodCidr),
                BridgeName = settings.Bridge,
                ControlPlane = true,
                ApiServerPort = settings.ApiPort,
            });
            services.AddSingleton<UsageSampler>(sp => new UsageSampler(sp.GetService<TimeProvider>() ?? TimeProvider.System));
            services.AddHostedService(sp => sp.GetRequiredService<UsageSampler>());
            services.AddSingleton<IMetricsSource, AgentMetricsSource>();
        });

        var readiness = app.Services.GetRequiredService<ReadinessGate>();
        readiness.Register("controllers");
        readiness.Register("node");
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"berth: cannot listen on {options.BindAddress}:{options.ApiPort}: {e.Message}. Is another berth running? Choose another --api-port.");
            return 1;
        }

        Console.Error.WriteLine($"berth: API at {options.ServerUrl} (store {options.StoreUri}, node {nodeName})");
        Console.Error.WriteLine($"berth: export KUBECONFIG={Path.Combine(dataDir, "kubeconfig")}");
        _ = MarkReadyAsync(app, readiness, lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync(cancellationToken);
        await app.DisposeAsync();
        return 0;
    }

    private static async Task MarkReadyAsync(WebApplication app, ReadinessGate readiness, CancellationToken ct)
    {
        var manager = app.Services.GetRequiredService<ControllerManager>();
        try
        {
            await manager.Synced.WaitAsync(ct);
            readiness.MarkReady("controllers");
            await app.Services.GetRequiredService<NodeAgent>().Ready.WaitAsync(ct);
            readiness.MarkReady("node");
            Console.Error.WriteLine("berth: ready");
        }
        catch (OperationCanceledException)
        {
        }
    }
}
