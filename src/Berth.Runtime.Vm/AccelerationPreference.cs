namespace Berth.Runtime.Vm;

public enum AccelerationPreference
{
    /// <summary>KVM when the probe boot proved it works, else TCG.</summary>
    Auto,

    /// <summary>TCG (software emulation), always.</summary>
    Tcg,
}
