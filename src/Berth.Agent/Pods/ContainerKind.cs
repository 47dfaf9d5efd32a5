namespace Berth.Agent.Pods;

internal enum ContainerKind
{
    Init,
    Regular,
}
