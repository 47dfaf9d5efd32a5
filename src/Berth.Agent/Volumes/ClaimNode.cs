using Berth.Agent.Nodes;

namespace Berth.Agent.Volumes;

/// <summary>
/// The node a claim is checked against: its name and the labels a PersistentVolume's node affinity may select on.
/// The agent uses the labels it sets itself (<c>kubernetes.io/hostname</c>, os, arch, roles), which is what Berth's
/// local provisioner selects on; labels added to the Node by hand are not seen.
/// </summary>
internal sealed record ClaimNode(string Name, IReadOnlyDictionary<string, string> Labels)
{
    public static ClaimNode Of(AgentOptions options) => new(
        options.NodeName,
        NodeStatusBuilder.Labels(options).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal));
}
