namespace Berth.Runtime.Oci.Registry;

/// <summary>The state of one blob in a pull or push, as <c>docker pull</c> shows per layer.</summary>
public enum TransferPhase
{
    Waiting,
    Downloading,
    Verifying,
    Extracting,
    /// <summary>Pulled and unpacked.</summary>
    Complete,
    /// <summary>Already in the local store (pull) or in the registry (push): nothing transferred.</summary>
    AlreadyExists,
    Pushing,
    Pushed,
    Failed,
}
