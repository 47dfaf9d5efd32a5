namespace Berth.Scheduler.Model;

/// <summary>A node taint; <see cref="Reason"/> is TaintToleration's message for it.</summary>
internal sealed record Taint(string Key, string Value, string Effect)
{
    public string Reason { get; } = $"node(s) had untolerated taint {{{Key}: {Value}}}";

    /// <summary>TaintToleration's status for this taint, made on first use.</summary>
    public Framework.NodeStatus? Status { get; set; }
}
