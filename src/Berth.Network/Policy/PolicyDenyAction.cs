namespace Berth.Network.Policy;

/// <summary>What happens to a packet that no rule allows.</summary>
public enum PolicyDenyAction
{
    Reject,
    Drop,
}
