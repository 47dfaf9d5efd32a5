using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Api.Selectors;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Endpoints;

/// <summary>
/// Keeps the Endpoints and the EndpointSlices of every Service with a selector, as kube-controller-manager's
/// endpoints and endpointslice controllers do (<see cref="EndpointsBuilder"/> computes them): a service's key is
/// queued when it changes and when a pod that it selects (before or after the change) changes; reconciling writes
/// the Endpoints (same name as the service) and the slices (<c>SERVICE-HASH</c>, labelled
/// <c>kubernetes.io/service-name</c>, owned by the service) only when they differ, and removes slices it no longer
/// needs. Services without a selector are left alone (their Endpoints are someone else's, e.g. <c>kubernetes</c>).
/// </summary>
public sealed class EndpointsController(ControllerContext context) : Controller("endpoints", context)
{
    private Informer<JsonObject> _services = null!;
    private Informer<JsonObject> _pods = null!;
    private ResourceType _endpoints = null!;
    private ResourceType _slices = null!;

    public override void Setup()
    {
        _endpoints = Context.Type("", "endpoints");
        _slices = Context.Type("discovery.k8s.io", "endpointslices");
        _services = Context.Informers.For(Context.Type("", "services"));
        _pods = Context.Informers.For(Context.Type("", "pods"));
        _services.OnAdd(s => Queue.Add(Informer<JsonObject>.KeyOf(s)));
        _services.OnUpdate((_, s) => Queue.Add(Informer<JsonObject>.KeyOf(s)));
        _services.OnDelete(s => Queue.Add(Informer<JsonObject>.KeyOf(s)));
        _pods.OnAdd(EnqueueServicesOf);
        _pods.OnUpdate((before, after) =>
        {
            EnqueueServicesOf(before);
            EnqueueServicesOf(after);
        });
        _pods.OnDelete(EnqueueServicesOf);
    }

    private void EnqueueServicesOf(JsonObject pod)
    {
        var ns = Json.String(pod, "metadata", "namespace") ?? "default";
        var labels = LabelSelector.LabelsOf(pod);
        foreach (var s in _services.List())
        {
            if ((Json.String(s, "metadata", "namespace") ?? "default") != ns || Json.Object(s, "spec", "selector") is not { Count: > 0 } selector)
            {
                continue;
            }

            if (selector.All(p => labels.TryGetValue(p.Key, out var v) && v == Json.StringOf(p.Value)))
            {
                Queue.Add(Informer<JsonObject>.KeyOf(s));
            }
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var ns = key[..slash];
        var name = key[(slash + 1)..];
        var service = _services.Get(key);
        if (service is null)
        {
            await DeleteQuietlyAsync(_endpoints, ns, name, ct);
            await RemoveSlicesAsync(ns, name, keep: [], ct);
            return;
        }

        if (Json.Object(service, "spec", "selector") is not { Count: > 0 } || Json.String(service, "spec", "type") == "ExternalName")
        {
            return;
        }

        var members = EndpointsBuilder.Select(service, _pods.List().Where(p => Json.String(p, "metadata", "namespace") == ns));
        await WriteEndpointsAsync(service, ns, name, EndpointsBuilder.Subsets(ns, members), ct);
        var slices = EndpointsBuilder.Slices(service, members);
        foreach (var slice in slices)
        {
            await WriteSliceAsync(slice, ns, ct);
        }

        await RemoveSlicesAsync(ns, name, slices.Select(s => Json.String(s, "metadata", "name")!).ToHashSet(StringComparer.Ordinal), ct);
    }

    private async Task WriteEndpointsAsync(JsonObject service, string ns, string name, JsonArray subsets, CancellationToken ct)
    {
        var labels = new JsonObject();
        foreach (var (k, v) in Json.Object(service, "metadata", "labels") ?? [])
        {
            labels[k] = v?.DeepClone();
        }

        if (Json.String(service, "spec", "clusterIP") == "None")
        {
            labels["service.kubernetes.io/headless"] = "";
        }

        JsonObject? existing = null;
        try
        {
            existing = await Api.GetAsync(_endpoints, ns, name, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        if (existing is null)
        {
            await Api.CreateAsync(_endpoints, ns, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels },
                ["subsets"] = subsets,
            }, ct);
            return;
        }

        var currentSubsets = existing["subsets"] ?? new JsonArray();
        var currentLabels = Json.Object(existing, "metadata", "labels") ?? [];
        if (JsonNode.DeepEquals(currentSubsets, subsets) && JsonNode.DeepEquals(currentLabels, labels))
        {
            return;
        }

        existing["subsets"] = subsets;
        ((JsonObject)existing["metadata"]!)["labels"] = labels;
        await Api.UpdateAsync(_endpoints, ns, existing, null, ct);
    }

    private async Task WriteSliceAsync(JsonObject slice, string ns, CancellationToken ct)
    {
        var name = Json.String(slice, "metadata", "name")!;
        JsonObject? existing = null;
        try
        {
            existing = await Api.GetAsync(_slices, ns, name, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        if (existing is null)
        {
            await Api.CreateAsync(_slices, ns, slice, ct);
            return;
        }

        if (JsonNode.DeepEquals(existing["endpoints"] ?? new JsonArray(), slice["endpoints"]) &&
            JsonNode.DeepEquals(existing["ports"] ?? new JsonArray(), slice["ports"]) &&
            JsonNode.DeepEquals(Json.Object(existing, "metadata", "labels"), Json.Object(slice, "metadata", "labels")))
        {
            return;
        }

        existing["endpoints"] = slice["endpoints"]!.DeepClone();
        existing["ports"] = slice["ports"]!.DeepClone();
        existing["addressType"] = slice["addressType"]!.DeepClone();
        var meta = (JsonObject)existing["metadata"]!;
        meta["labels"] = slice["metadata"]!["labels"]!.DeepClone();
        meta["ownerReferences"] = slice["metadata"]!["ownerReferences"]!.DeepClone();
        await Api.UpdateAsync(_slices, ns, existing, null, ct);
    }

    private async Task RemoveSlicesAsync(string ns, string service, HashSet<string> keep, CancellationToken ct)
    {
        var list = await Api.ListAsync(_slices, ns, new ListOptions
        {
            LabelSelector = $"{EndpointsBuilder.ServiceNameLabel}={service},{EndpointsBuilder.ManagedByLabel}={EndpointsBuilder.ManagedBy}",
        }, ct);
        foreach (var slice in list.Items)
        {
            var name = Json.String(slice, "metadata", "name")!;
            if (!keep.Contains(name))
            {
                await DeleteQuietlyAsync(_slices, ns, name, ct);
            }
        }
    }

    private async Task DeleteQuietlyAsync(ResourceType type, string ns, string name, CancellationToken ct)
    {
        try
        {
            await Api.DeleteAsync(type, ns, name, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
