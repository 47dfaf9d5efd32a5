namespace Berth.Runtime.Vm;

public sealed class VmNotFoundException(string id) : VmRuntimeException($"no VM with id '{id}'")
{
    public string Id { get; } = id;
}
