namespace Berth.Runtime.Oci.Runtime;

/// <summary>A runtime operation failed; the message carries the runtime's own words (runc/crun/conmon stderr or log).</summary>
public class ContainerRuntimeException : Exception
{
    public ContainerRuntimeException(string message)
        : base(message)
    {
    }

    public ContainerRuntimeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
