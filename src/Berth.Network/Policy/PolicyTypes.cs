namespace Berth.Network.Policy;

/// <summary>spec.policyTypes: the directions in which the pods a policy selects are isolated.</summary>
[Flags]
public enum PolicyTypes
{
    None = 0,
    Ingress = 1,
    Egress = 2,
}
