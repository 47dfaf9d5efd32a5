using System.Collections.Concurrent;
using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Reaps the orphans a child subreaper inherits and nobody waits for (an exec whose runtime process died
/// before it did, a tool that daemonized): without this they stay zombies as long as the agent runs,
/// and a container whose init waits on one never exits. Every 5 s the reaper lists this process's
/// children (<c>/proc/self/task/*/children</c>) and reaps, with <c>waitpid(WNOHANG)</c>, each zombie
/// that was already a zombie at the previous pass and that no <see cref="NativeProcess.Wait"/> claims.
/// The two-pass rule leaves every child somebody waits for to its waiter: .NET's own
/// <see cref="System.Diagnostics.Process"/> children are reaped by the runtime on SIGCHLD, within
/// milliseconds, and a <see cref="NativeProcess.Wait"/> claims its pid before it blocks.
/// </summary>
internal static class OrphanReaper
{
    private static readonly ConcurrentDictionary<int, int> Claimed = new();
    private static readonly Lock Gate = new();
    private static HashSet<int> _zombiesSeen = [];
    private static Timer? _timer;
    private static long _reaped;

    /// <summary>How many orphans have been reaped since the process started.</summary>
    public static long Reaped => Interlocked.Read(ref _reaped);

    /// <summary>Starts the periodic pass (idempotent).</summary>
    public static void Start(TimeSpan? period = null)
    {
        lock (Gate)
        {
            var every = period ?? TimeSpan.FromSeconds(5);
            _timer ??= new Timer(_ => Pass(), null, every, every);
        }
    }

    /// <summary>Marks <paramref name="pid"/> as waited for by its spawner until <see cref="Release"/>.</summary>
    public static void Claim(int pid) => Claimed.AddOrUpdate(pid, 1, (_, n) => n + 1);

    public static void Release(int pid)
    {
        if (Claimed.AddOrUpdate(pid, 0, (_, n) => n - 1) <= 0)
        {
            Claimed.TryRemove(pid, out _);
        }
    }

    /// <summary>One pass: reaps the zombies seen on the previous pass too; returns how many it reaped.</summary>
    public static int Pass()
    {
        lock (Gate)
        {
            var zombies = new HashSet<int>();
            foreach (var pid in Children())
            {
                if (!Claimed.ContainsKey(pid) && IsZombie(pid))
                {
                    zombies.Add(pid);
                }
            }

            var reaped = 0;
            foreach (var pid in zombies)
            {
                if (_zombiesSeen.Contains(pid) && !Claimed.ContainsKey(pid) && NativeProcess.TryReap(pid) is not null)
                {
                    reaped++;
                }
            }

            zombies.ExceptWith(_zombiesSeen.Where(p => !IsZombie(p)));
            _zombiesSeen = zombies;
            Interlocked.Add(ref _reaped, reaped);
            return reaped;
        }
    }

    private static IEnumerable<int> Children()
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories("/proc/self/task");
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    yield return pid;
                }
            }
        }
    }

    private static bool IsZombie(int pid) => ProcessInfo.State(pid) == 'Z';
}
