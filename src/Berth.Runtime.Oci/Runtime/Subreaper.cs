namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), as containerd's shims are.
/// Two reasons: a tty exec must be detached (<c>runc exec -d --console-socket</c>: runc only hands out the
/// pty master when it does not wait itself), so its process is orphaned when runc returns, and the agent
/// inherits it and waits for its exit code; and conmon's daemon (double fork) becomes the agent's child,
/// which reaps it when the container is deleted instead of leaving a zombie to init. Other orphaned
/// descendants (an exec whose runtime died first, tools that daemonize) are re-parented here too: the
/// <see cref="OrphanReaper"/>, started with the subreaper, reaps those nobody waits for. Enabled by <see cref="OciRuntime"/>'s
/// constructor; a new agent process does not inherit the relation to earlier conmons (init reaps those).
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

        OrphanReaper.Start();
    }
}
