using System.Text.Json.Nodes;

namespace Berth.Network.Pods;

/// <summary>
/// What the node remembers of one pod's network, in <c>DATA_DIR/network/pods/UID.json</c>. The cached ADD result is
/// what DEL needs as <c>prevResult</c> (the CNI spec asks runtimes to keep it, as libcni's cache does).
/// </summary>
internal sealed record PodNetworkRecord
{
    public required string PodKey { get; init; }

    public required string PodUid { get; init; }

    public required string NetnsName { get; init; }

    public required string ContainerId { get; init; }

    public required string InterfaceName { get; init; }

    public required List<HostPortMapping> HostPorts { get; init; }

    public required PodNetworkPhase Phase { get; init; }

    /// <summary>The final ADD result of the whole chain (what DEL and CHECK get as prevResult); null before it exists.</summary>
    public JsonObject? Result { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
