namespace Berth.Runtime.Vm;

/// <summary>A VM operation failed; the message says what and, where QEMU or a tool failed, its own words.</summary>
public class VmRuntimeException : Exception
{
    public VmRuntimeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
