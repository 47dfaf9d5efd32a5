namespace Berth.Agent.Pods;

/// <summary>
/// The annotations the agent puts on each container it creates, so that a restarted agent knows which pod and
/// container an adopted container is, and its restart count (the runtime keeps them on disk).
/// </summary>
internal static class ContainerAnnotations
{
    public const string PodUid = "io.berth.pod.uid";
    public const string PodNamespace = "io.berth.pod.namespace";
    public const string PodName = "io.berth.pod.name";
    public const string ContainerName = "io.berth.container.name";
    public const string Kind = "io.berth.container.kind";
    public const string RestartCount = "io.berth.container.restartCount";
    public const string SpecHash = "io.berth.container.hash";
    public const string Image = "io.berth.image";
    public const string ImageId = "io.berth.image.id";
    public const string StopSignal = "io.berth.stopsignal";
}
