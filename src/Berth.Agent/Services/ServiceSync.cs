using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Network.Dns;
using Berth.Network.Services;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Services;

/// <summary>
/// The node's kube-proxy and CoreDNS feed: Services and EndpointSlices from list + watch caches, turned by
/// <see cref="ServiceState"/> into the service proxy's desired state (<see cref="ServiceProxyLoop"/>, nftables) and
/// the cluster DNS zone (<see cref="ClusterDnsServer"/>). Changes are coalesced: a burst of events makes one
/// recomputation a few milliseconds later, so an endpoint change reaches the kernel well within a second.
/// </summary>
internal sealed partial class ServiceSync(IApiClient api, ServiceProxyLoop? proxy, ClusterDnsServer? dns, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(20);
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly ObjectCache<JsonObject> _services = ObjectCache.Whole(api, ResourceRegistry.Default.Find("", "v1", "services")!, time, logger);
    private readonly ObjectCache<JsonObject> _slices = ObjectCache.Whole(api, ResourceRegistry.Default.Find("discovery.k8s.io", "v1", "endpointslices")!, time, logger);

    public async Task RunAsync(CancellationToken ct)
    {
        _services.Changed += Signal;
        _slices.Changed += Signal;
        var caches = Task.WhenAll(Task.Run(() => _services.RunAsync(ct), CancellationToken.None), Task.Run(() => _slices.RunAsync(ct), CancellationToken.None));
        try
        {
            await Task.WhenAll(_services.Synced, _slices.Synced).WaitAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                Apply();
                await _changed.WaitAsync(ct);
                await Task.Delay(Coalesce, time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await caches;
    }

    private void Apply()
    {
        var services = _services.Items();
        var slices = _slices.Items();
        try
        {
            proxy?.Update(ServiceState.Proxy(services, slices));
            dns?.Update(ServiceState.Dns(services, slices));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            LogApplyFailed(logger, e.Message);
        }
    }

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>
    /// Keeps <c>default/kubernetes</c> pointing at this node's API server as pods reach it (the bridge gateway and
    /// the API port): the Service at the range's first address (port 443 → the API port), its Endpoints and its
    /// EndpointSlice, as the API server's master endpoint reconciler does. Idempotent.
    /// </summary>
    public static async Task EnsureKubernetesServiceAsync(IApiClient api, string address, int apiPort, string clusterIp, CancellationToken ct)
    {
        var services = ResourceRegistry.Default.Find("", "v1", "services")!;
        var endpoints = ResourceRegistry.Default.Find("", "v1", "endpoints")!;
        var slices = ResourceRegistry.Default.Find("discovery.k8s.io", "v1", "endpointslices")!;
        JsonObject? service = null;
        try
        {
            service = await api.GetAsync(services, "default", "kubernetes", ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        if (service is null)
        {
            try
            {
                service = await api.CreateAsync(services, "default", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = "kubernetes",
                        ["namespace"] = "default",
                        ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
                    },
                    ["spec"] = new JsonObject
                    {
                        ["type"] = "ClusterIP",
                        ["clusterIP"] = clusterIp,
                        ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = apiPort }),
                        ["sessionAffinity"] = "None",
                    },
                }, ct);
            }
            catch (ApiException e) when (e.Code is 409 or 422)
            {
                service = await api.GetAsync(services, "default", "kubernetes", ct);
            }
        }

        var subsets = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["ip"] = address }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = apiPort, ["protocol"] = "TCP" }),
        });
        await UpsertAsync(api, endpoints, "kubernetes", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = subsets,
        }, o => JsonNode.DeepEquals(o["subsets"], subsets), (o, w) => o["subsets"] = w["subsets"]!.DeepClone(), ct);

        var sliceEndpoints = new JsonArray(new JsonObject { ["addresses"] = new JsonArray(address), ["conditions"] = new JsonObject { ["ready"] = true } });
        var slicePorts = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = apiPort, ["protocol"] = "TCP" });
        await UpsertAsync(api, slices, "kubernetes", new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = "kubernetes" } },
            ["addressType"] = "IPv4",
            ["endpoints"] = sliceEndpoints,
            ["ports"] = slicePorts,
        }, o => JsonNode.DeepEquals(o["endpoints"], sliceEndpoints) && JsonNode.DeepEquals(o["ports"], slicePorts), (o, w) =>
        {
            o["endpoints"] = w["endpoints"]!.DeepClone();
            o["ports"] = w["ports"]!.DeepClone();
        }, ct);
        _ = service;
    }

    private static async Task UpsertAsync(IApiClient api, ResourceType type, string name, JsonObject wanted, Func<JsonObject, bool> same, Action<JsonObject, JsonObject> copy, CancellationToken ct)
    {
        try
        {
            var existing = await api.GetAsync(type, "default", name, ct);
            if (same(existing))
            {
                return;
            }

            copy(existing, wanted);
            await api.UpdateAsync(type, "default", existing, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            await api.CreateAsync(type, "default", wanted, ct);
        }
    }

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "service proxy/DNS state not applied: {Error}")]
    private static partial void LogApplyFailed(ILogger logger, string error);
}
