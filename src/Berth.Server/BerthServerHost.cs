using System.Net;
using System.Text;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Server.Auth;
using Berth.Server.Core;
using Berth.Server.Http;
using Berth.Server.Pki;
using Berth.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Server;

/// <summary>
/// Composes the API server: PKI and kubeconfig, the store, the core services, Kestrel on HTTPS
/// with client-certificate and token authentication, and the endpoint table. Callers (the CLI's
/// <c>up</c> and <c>server</c> verbs, tests) add their own hosted services (controllers, the agent)
/// through <c>configure</c>.
/// <code>
///   Build ─▶ (app.StartAsync) store opened, built-in objects ensured, listening ─▶ ready components
///         ─▶ SIGTERM / StopAsync: hosted services stop (agent, controllers), Kestrel drains, store disposed
/// </code>
/// </summary>
public static class BerthServerHost
{
    public const string ApiComponent = "api";

    public static WebApplication Build(ServerOptions options, IStore store, Action<IServiceCollection>? configure = null,
        TimeProvider? time = null, Action<ILoggingBuilder>? logging = null)
    {
        time ??= TimeProvider.System;
        Directory.CreateDirectory(options.DataDir);
        var pki = ClusterPki.LoadOrCreate(options.DataDir, [options.AdvertiseAddress, .. options.ExtraSans], time);
        var tokens = TokenFile.LoadOrCreate(pki.Directory);
        tokens.EnsureToken("berth-admin", "system:masters");
        Kubeconfig.Write(options.DataDir, pki, options.ServerUrl);

        // The empty builder: no configuration files or watchers (a watcher on the data directory would
        // wake on every store write), no host filtering; Kestrel and logging are added explicitly.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = "berth",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 2 * RequestBody.MaxBytes;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(IPAddress.Parse(options.BindAddress), options.ApiPort, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(https =>
                {
                    https.ServerCertificate = pki.Serving;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.CheckCertificateRevocation = false;
                    https.ClientCertificateValidation = (cert, _, _) => pki.IsSignedByCa(cert);
                });
            });
        });

        var registry = ResourceRegistry.Default;
        var s = builder.Services;
        s.AddSingleton(options);
        s.AddSingleton(time);
        s.AddSingleton(pki);
        s.AddSingleton(tokens);
        s.AddSingleton(store);
        s.AddSingleton(registry);
        s.AddSingleton<ReadinessGate>();
        s.AddSingleton<PatchApplier>();
        s.AddSingleton<ObjectFilterFactory>();
        s.AddSingleton(sp =>
        {
            var r = ActivatorUtilities.CreateInstance<ResourceService>(sp);
            r.Allocator = new ServiceAllocator(r);
            r.Namespaces = sp.GetRequiredService<NamespaceCache>();
            return r;
        });
        s.AddSingleton<DeletionService>();
        s.AddSingleton<WatchService>();
        s.AddSingleton<SubresourceService>();
        s.AddSingleton<LocalApiClient>();
        s.AddSingleton<BuiltInObjects>();
        s.AddSingleton<IApiClient>(sp => sp.GetRequiredService<LocalApiClient>());
        s.AddSingleton(new Discovery(registry, $"{options.AdvertiseAddress}:{options.ApiPort}"));
        s.AddSingleton<ApiEndpoints>();
        s.AddSingleton<IApiGroupHandler, KubeVirt.KubeVirtSubresources>();
        s.AddSingleton<IPodStreamProxy>(sp => sp.GetService<Berth.Api.Streams.IPodStreams>() is { } backend
            ? new PodStreamProxy(backend)
            : new UnavailablePodStreamProxy());
        s.AddSingleton<IMetricsSource, EmptyMetricsSource>();
        s.AddHostedService<StoreLifetime>();
        s.AddSingleton<NamespaceCache>();
        s.AddHostedService(sp => sp.GetRequiredService<NamespaceCache>());
        s.AddHostedService<StoreCompaction>();
        configure?.Invoke(s);

        var app = builder.Build();
        var readiness = app.Services.GetRequiredService<ReadinessGate>();
        readiness.Register(ApiComponent);
        app.Lifetime.ApplicationStarted.Register(() => readiness.MarkReady(ApiComponent));
        app.Lifetime.ApplicationStopping.Register(() => readiness.MarkNotReady(ApiComponent));

        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var api = app.Services.GetRequiredService<ApiEndpoints>();
        app.Run(ctx => Route(ctx, api, readiness));
        return app;
    }

    private static Task Route(HttpContext ctx, ApiEndpoints api, ReadinessGate readiness)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/api/", StringComparison.Ordinal) || path is "/api" or "/apis" || path.StartsWith("/apis/", StringComparison.Ordinal))
        {
            return api.HandleAsync(ctx);
        }

        return path switch
        {
            "/livez" or "/healthz" => Text(ctx, 200, "ok"),
            "/readyz" => readiness.IsReady
                ? Text(ctx, 200, ctx.Request.Query.ContainsKey("verbose") ? readiness.Describe() : "ok")
                : Text(ctx, 500, readiness.Describe()),
            "/version" => ResponseWriter.WriteJsonAsync(ctx, 200, VersionInfo.Json()),
            "/metrics" => MetricsAsync(ctx),
            // An empty protobuf document: kubectl's client-side validation finds no schema and passes.
            "/openapi/v2" => Bytes(ctx, 200, "application/octet-stream", []),
            _ => ResponseWriter.WriteStatusAsync(ctx, new ApiException(404, "NotFound", "the server could not find the requested resource")),
        };
    }

    private static async Task MetricsAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    private static async Task Text(HttpContext ctx, int code, string body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(body, Encoding.UTF8, ctx.RequestAborted);
    }

    private static async Task Bytes(HttpContext ctx, int code, string contentType, byte[] body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
