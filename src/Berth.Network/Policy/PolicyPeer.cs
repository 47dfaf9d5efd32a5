namespace Berth.Network.Policy;

/// <summary>
/// One <c>from</c>/<c>to</c> entry of a rule (NetworkPolicyPeer). Exactly as Kubernetes reads it:
/// <list type="bullet">
/// <item><see cref="PodSelector"/> only: the pods it selects in the policy's namespace;</item>
/// <item><see cref="NamespaceSelector"/> only: every pod of the namespaces it selects;</item>
/// <item>both: the pods selected by <see cref="PodSelector"/> in the namespaces selected by <see cref="NamespaceSelector"/>;</item>
/// <item><see cref="IPBlock"/> (alone): addresses, whoever has them.</item>
/// </list>
/// </summary>
public sealed record PolicyPeer(PolicySelector? PodSelector = null, PolicySelector? NamespaceSelector = null, PolicyIPBlock? IPBlock = null);
