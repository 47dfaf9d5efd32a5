namespace Berth.Scheduler;

/// <summary>Names one pod.</summary>
public sealed record PodRef(string Namespace, string Name, string Uid)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
