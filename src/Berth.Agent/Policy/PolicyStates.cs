using System.Net;
using System.Text.Json.Nodes;
using Berth.Network.Policy;

namespace Berth.Agent.Policy;

/// <summary>
/// The <see cref="PolicyState"/> of one node from its caches (pure; <see cref="PolicySync"/> calls it on every change).
/// Namespaces and NetworkPolicies are mapped by <see cref="NetworkPolicyMapper.StateFromJson"/>; pods here, because the
/// address of a pod of this node is the one its network has (<paramref name="localAddresses"/>, by UID), not
/// <c>status.podIP</c>:
/// <list type="bullet">
/// <item>a pod of this node with a network is in both lists with that address, even before <c>status.podIP</c> is written;</item>
/// <item>a pod of this node without a network (not set up yet, or torn down while the API still shows its old
/// address) is in neither list;</item>
/// <item>another node's pod is a peer at its <c>status.podIP</c>;</item>
/// <item>hostNetwork pods and finished pods (Succeeded/Failed) are left out, as
/// <see cref="NetworkPolicyMapper.StateFromJson"/> does.</item>
/// </list>
/// </summary>
internal static class PolicyStates
{
    public static PolicyState Build(
        string nodeName,
        IEnumerable<PolicyPodEntry> pods,
        IEnumerable<JsonObject> namespaces,
        IEnumerable<JsonObject> policies,
        IReadOnlyDictionary<string, IPAddress> localAddresses,
        Action<string, FormatException>? onInvalid = null)
    {
        var rest = NetworkPolicyMapper.StateFromJson(nodeName, [], namespaces, policies, onInvalid);
        var all = new List<PolicyPod>();
        var local = new List<PolicyPod>();
        foreach (var entry in pods)
        {
            if (entry.Phase is "Succeeded" or "Failed")
            {
                continue;
            }

            if (entry.Invalid is { } invalid)
            {
                onInvalid?.Invoke($"Pod {entry.Namespace}/{entry.Name}", invalid);
                continue;
            }

            if (entry.Pod is not { } pod)
            {
                continue;
            }

            if (entry.NodeName == nodeName)
            {
                if (!localAddresses.TryGetValue(pod.Uid, out var address))
                {
                    continue;
                }

                pod = pod with { Address = address };
                local.Add(pod);
                all.Add(pod);
            }
            else if (pod.Address is not null)
            {
                all.Add(pod);
            }
        }

        return rest with { LocalPods = local, Pods = all };
    }
}
