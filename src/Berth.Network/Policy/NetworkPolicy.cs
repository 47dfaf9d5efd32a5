namespace Berth.Network.Policy;

/// <summary>
/// A NetworkPolicy (networking.k8s.io/v1) in plain form; <see cref="NetworkPolicyMapper.FromJson"/> makes one from the
/// API object. Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/): the policy
/// selects the pods of <see cref="Namespace"/> that <see cref="PodSelector"/> matches; each selected pod is isolated
/// in the directions of <see cref="Types"/>, and then only what some rule of some policy selecting it allows passes
/// in that direction (the union). A policy with a direction in <see cref="Types"/> and no rules for it denies that
/// direction (the "default deny" idiom with <c>podSelector: {}</c>).
/// </summary>
/// <param name="Namespace">metadata.namespace.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="PodSelector">spec.podSelector (<see cref="PolicySelector.Everything"/> for <c>{}</c>).</param>
/// <param name="Types">spec.policyTypes, defaulted: Ingress, plus Egress when there are egress rules.</param>
/// <param name="Ingress">spec.ingress.</param>
/// <param name="Egress">spec.egress.</param>
public sealed record NetworkPolicy(
    string Namespace,
    string Name,
    PolicySelector PodSelector,
    PolicyTypes Types,
    IReadOnlyList<PolicyRule> Ingress,
    IReadOnlyList<PolicyRule> Egress);
