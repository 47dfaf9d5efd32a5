namespace Berth.Agent.Volumes;

/// <summary>Why a claim cannot be mounted: <see cref="Waiting"/> problems may clear up on their own, the others need a change by the user.</summary>
public enum ClaimProblem
{
    /// <summary>The claim does not exist (yet).</summary>
    NotFound,

    /// <summary>The claim exists but is not bound yet (a WaitForFirstConsumer claim waits for its provisioner), or its PV is not visible yet.</summary>
    Waiting,

    /// <summary>The claim is being deleted, or lost its volume (status Lost, or the PV points at another claim).</summary>
    Lost,

    /// <summary>The bound volume is a local volume of another node (its node affinity does not match this node).</summary>
    OtherNode,

    /// <summary>The bound volume is of a kind this node cannot mount (only local and hostPath filesystem volumes are).</summary>
    Unsupported,
}
