namespace Berth.Runtime.Oci.Runtime;

/// <summary>No container with this id exists in this runtime's data directory.</summary>
public sealed class ContainerNotFoundException : ContainerRuntimeException
{
    public ContainerNotFoundException(string id)
        : base($"container {id} not found")
    {
        Id = id;
    }

    public string Id { get; }
}
