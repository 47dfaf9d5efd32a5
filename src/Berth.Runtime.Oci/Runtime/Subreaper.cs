namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER). A tty exec must be detached
/// (<c>runc exec -d --console-socket</c>: runc only hands out the pty master when it does not wait
/// itself), so its process is orphaned when runc returns; as subreaper the agent inherits it and can
/// wait for its exit code, as containerd's shim does. Side effect: other orphaned descendants (conmon's
/// daemon after its double fork) are reparented here too while this process lives; the runtime reaps
/// the conmons it knows when their containers are deleted.
/// </summary>
public static class Subreaper
{
    private static int _enabled;

    public static bool IsEnabled => Volatile.Read(ref _enabled) == 1;

    public static void Ensure()
    {
        if (Interlocked.CompareExchange(ref _enabled, 1, 0) == 0 && Native.prctl(Native.PrSetChildSubreaper, 1, 0, 0, 0) != 0)
        {
            Volatile.Write(ref _enabled, 0);
            throw new IOException($"prctl(PR_SET_CHILD_SUBREAPER): {Native.ErrorText(Native.Errno)}");
        }
    }
}
