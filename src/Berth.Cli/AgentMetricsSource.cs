using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Agent;
using Berth.Agent.Metrics;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Server.Core;
using Berth.Server.Http;

namespace Berth.Cli;

/// <summary>
/// <c>metrics.k8s.io/v1beta1</c> for <c>berth up</c>: PodMetrics and NodeMetrics computed on request from
/// the node agent's <see cref="UsageSampler"/>, in the shapes metrics-server serves (CPU in nanocores as
/// <c>"123n"</c>, memory working set as <c>"456Ki"</c>, <c>timestamp</c> and <c>window</c> of the sample), so
/// that <c>kubectl top pod</c> and <c>kubectl top node</c> work. A pod appears once its cgroups have two
/// samples (see <see cref="UsageSnapshot.ForPod"/>).
/// </summary>
public sealed class AgentMetricsSource(UsageSampler sampler, IApiClient api, AgentOptions agent) : IMetricsSource
{
    public async Task<IReadOnlyList<JsonObject>> ListAsync(ResourceType type, string? ns, CancellationToken ct)
    {
        var snapshot = sampler.Snapshot;
        if (snapshot.Timestamp == DateTimeOffset.MinValue)
        {
            return [];
        }

        if (type.Kind == "NodeMetrics")
        {
            var node = await api.GetAsync(ResourceRegistry.Default.Find("", "v1", "nodes")!, null, agent.NodeName, ct);
            return [NodeMetrics(node, snapshot)];
        }

        var pods = await api.ListAsync(ResourceRegistry.Default.Find("", "v1", "pods")!, ns,
            new ListOptions { FieldSelector = "spec.nodeName=" + agent.NodeName }, ct);
        var list = new List<JsonObject>();
        foreach (var pod in pods.Items)
        {
            if (Json.String(pod, "metadata", "uid") is { } uid && PodMetrics(pod, uid, snapshot) is { } metrics)
            {
                list.Add(metrics);
            }
        }

        return list;
    }

    public async Task<JsonObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken ct) =>
        (await ListAsync(type, ns, ct)).FirstOrDefault(m => Json.String(m, "metadata", "name") == name);

    private static JsonObject? PodMetrics(JsonObject pod, string uid, UsageSnapshot snapshot)
    {
        var names = (Json.Array(pod, "spec", "containers") ?? []).Select(c => Json.String(c!.AsObject(), "name")).OfType<string>().ToList();
        var containers = new JsonArray();
        foreach (var (name, usage) in snapshot.ForPod(uid, names))
        {
            containers.Add(new JsonObject { ["name"] = name, ["usage"] = Usage(usage) });
        }

        if (containers.Count == 0)
        {
            return null;
        }

        return new JsonObject
        {
            ["kind"] = "PodMetrics",
            ["apiVersion"] = "metrics.k8s.io/v1beta1",
            ["metadata"] = Metadata(pod, snapshot),
            ["timestamp"] = ResourceService.Timestamp(snapshot.Timestamp),
            ["window"] = Window(snapshot.Window),
            ["containers"] = containers,
        };
    }

    private static JsonObject NodeMetrics(JsonObject node, UsageSnapshot snapshot) => new()
    {
        ["kind"] = "NodeMetrics",
        ["apiVersion"] = "metrics.k8s.io/v1beta1",
        ["metadata"] = Metadata(node, snapshot),
        ["timestamp"] = ResourceService.Timestamp(snapshot.Timestamp),
        ["window"] = Window(snapshot.Window),
        ["usage"] = Usage(snapshot.Node),
    };

    private static JsonObject Metadata(JsonObject obj, UsageSnapshot snapshot)
    {
        var meta = new JsonObject { ["name"] = Json.String(obj, "metadata", "name") };
        if (Json.String(obj, "metadata", "namespace") is { } ns)
        {
            meta["namespace"] = ns;
        }

        meta["creationTimestamp"] = ResourceService.Timestamp(snapshot.Timestamp);
        if (obj["metadata"]?["labels"] is JsonObject labels)
        {
            meta["labels"] = labels.DeepClone();
        }

        return meta;
    }

    private static JsonObject Usage(ResourceUsage usage) => new()
    {
        ["cpu"] = usage.CpuNanoCores.ToString(CultureInfo.InvariantCulture) + "n",
        ["memory"] = (usage.MemoryBytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki",
    };

    private static string Window(TimeSpan w) => ((int)Math.Round(w.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
}
