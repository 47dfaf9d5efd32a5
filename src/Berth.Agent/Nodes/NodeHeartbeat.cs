using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Nodes;

/// <summary>
/// Registers the Node and keeps it alive the way a kubelet with node leases does: the Lease
/// <c>kube-node-lease/NODE</c> (holder = node, 40 s duration, owned by the Node) is renewed every
/// <see cref="AgentOptions.LeaseRenewInterval"/>; the node's status is re-computed every
/// <see cref="AgentOptions.NodeStatusCheckInterval"/> and written when a condition changes, or at least every
/// <see cref="AgentOptions.NodeStatusReportInterval"/>. A Node deleted behind the agent's back is registered again.
/// </summary>
internal sealed partial class NodeHeartbeat(IApiClient api, AgentOptions options, Func<NodeStatusBuilder.Sample> sample, TimeProvider time, ILogger logger)
{
    /// <summary>The node's data directory, where Berth's local provisioner puts this node's volumes (<c>DATA_DIR/volumes/PV</c>).</summary>
    public const string DataDirAnnotation = "berth.dev/data-dir";

    private readonly ResourceType _nodes = ResourceRegistry.Default.Find("", "v1", "nodes")!;
    private readonly ResourceType _leases = ResourceRegistry.Default.Find("coordination.k8s.io", "v1", "leases")!;
    private JsonObject? _lastStatus;
    private DateTimeOffset _lastReport;
    private string? _nodeUid;

    /// <summary>Creates the Node, or updates its labels and status when it exists.</summary>
    public async Task RegisterAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        JsonObject? existing = null;
        try
        {
            existing = await api.GetAsync(_nodes, null, options.NodeName, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        var status = NodeStatusBuilder.Status(options, sample(), Json.Object(existing, "status"), now);
        if (existing is null)
        {
            var node = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = options.NodeName,
                    ["labels"] = NodeStatusBuilder.Labels(options),
                    ["annotations"] = new JsonObject
                    {
                        ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                        [DataDirAnnotation] = options.DataDir,
                    },
                },
                ["spec"] = new JsonObject { ["podCIDR"] = options.PodCidr.ToString(), ["podCIDRs"] = new JsonArray(options.PodCidr.ToString()) },
                ["status"] = status,
            };
            try
            {
                var created = await api.CreateAsync(_nodes, null, node, ct);
                _nodeUid = Json.String(created, "metadata", "uid");
                _lastStatus = status;
                _lastReport = now;
                NodeLog.Registered(logger, options.NodeName);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                existing = await api.GetAsync(_nodes, null, options.NodeName, ct);
            }
        }

        _nodeUid = Json.String(existing, "metadata", "uid");
        await api.PatchAsync(_nodes, null, options.NodeName, PatchType.Merge, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["labels"] = NodeStatusBuilder.Labels(options),
                ["annotations"] = new JsonObject { [DataDirAnnotation] = options.DataDir },
            },
        }, null, ct);
        await WriteStatusAsync(status, ct);
        NodeLog.Registered(logger, options.NodeName);
    }

    public async Task RunStatusLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.NodeStatusCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    var now = time.GetUtcNow();
                    var status = NodeStatusBuilder.Status(options, sample(), _lastStatus, now);
                    if (NodeStatusBuilder.ConditionsChanged(_lastStatus, status) || now - _lastReport >= options.NodeStatusReportInterval)
                    {
                        await WriteStatusAsync(status, ct);
                    }
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    await RegisterAsync(ct);
                }
                catch (Exception e) when (e is ApiException or IOException or HttpRequestException)
                {
                    NodeLog.StatusFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task RunLeaseLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RenewLeaseAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ApiException or IOException or HttpRequestException)
            {
                NodeLog.LeaseFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(options.LeaseRenewInterval, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Creates or renews the node's Lease (<c>renewTime</c> in MicroTime).</summary>
    public async Task RenewLeaseAsync(CancellationToken ct)
    {
        var renew = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        try
        {
            await api.PatchAsync(_leases, "kube-node-lease", options.NodeName, PatchType.Merge,
                new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = options.NodeName, ["renewTime"] = renew, ["leaseDurationSeconds"] = 40 } }, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            var metadata = new JsonObject { ["name"] = options.NodeName, ["namespace"] = "kube-node-lease" };
            if (_nodeUid is not null)
            {
                metadata["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Node",
                    ["name"] = options.NodeName,
                    ["uid"] = _nodeUid,
                });
            }

            await api.CreateAsync(_leases, "kube-node-lease", new JsonObject
            {
                ["apiVersion"] = "coordination.k8s.io/v1",
                ["kind"] = "Lease",
                ["metadata"] = metadata,
                ["spec"] = new JsonObject { ["holderIdentity"] = options.NodeName, ["leaseDurationSeconds"] = 40, ["renewTime"] = renew },
            }, ct);
        }
    }

    private async Task WriteStatusAsync(JsonObject status, CancellationToken ct)
    {
        await api.PatchAsync(_nodes, null, options.NodeName, PatchType.Merge, new JsonObject { ["status"] = status.DeepClone() }, "status", ct);
        _lastStatus = status;
        _lastReport = time.GetUtcNow();
    }

    private static partial class NodeLog
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "node {Node} registered")]
        public static partial void Registered(ILogger logger, string node);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "node status not written: {Error}")]
        public static partial void StatusFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "node lease not renewed: {Error}")]
        public static partial void LeaseFailed(ILogger logger, string error);
    }
}
