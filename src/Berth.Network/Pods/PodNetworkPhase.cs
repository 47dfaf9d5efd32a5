namespace Berth.Network.Pods;

/// <summary>Where one pod's network is in its lifecycle (see <see cref="IPodNetwork"/>).</summary>
public enum PodNetworkPhase
{
    /// <summary>Plugins ADD may have run partly; the next call on this UID rolls it back.</summary>
    SettingUp,

    /// <summary>Every plugin ADD succeeded; the result is cached for DEL.</summary>
    Ready,

    /// <summary>A DEL failed; the next TearDown retries it.</summary>
    TearingDown,
}
