using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Runs one RUN instruction in a <c>runc</c> container of the image so far, and leaves the
/// filesystem changes in an overlay upper directory:
/// <code>
/// WORK/upper  WORK/work  ──overlay(lowerdir = layers top-most first)──▶ WORK/bundle/rootfs
/// runc run --bundle WORK/bundle berth-build-ID   (stdout+stderr → WORK/output.log, relayed as it grows)
/// </code>
/// The container has its own mount, PID, IPC and UTS namespaces and, with network "none", a
/// network namespace of its own (only loopback); "host" shares the host's network. runc's output
/// goes to a file, never a pipe: a pipe read until EOF never ends while a container holds it.
/// </summary>
public sealed class RunStepExecutor(string runtimePath = "runc", string runtimeRoot = "/run/berth/build")
{
    /// <param name="lowerDirs">Unpacked layers, top-most first; empty for scratch.</param>
    /// <param name="workDir">A fresh directory for this step; the caller deletes it.</param>
    /// <returns>The upper directory with the step's changes.</returns>
    public async Task<string> RunAsync(IReadOnlyList<string> lowerDirs, string workDir, IReadOnlyList<string> args, IReadOnlyList<string> env,
        string cwd, string? user, string network, TextWriter output, CancellationToken ct)
    {
        var upper = Path.Combine(workDir, "upper");
        var work = Path.Combine(workDir, "work");
        var bundle = Path.Combine(workDir, "bundle");
        var rootfs = Path.Combine(bundle, "rootfs");
        var empty = Path.Combine(workDir, "empty");
        foreach (var d in new[] { upper, work, rootfs, empty })
        {
            Directory.CreateDirectory(d);
        }
        var lower = lowerDirs.Count == 0 ? empty : string.Join(':', lowerDirs);
        var options = $"lowerdir={lower},upperdir={upper},workdir={work}";
        if (options.Length > 4000)
        {
            throw new BuildException($"the image has too many layers ({lowerDirs.Count}) for one overlay mount; squash some steps");
        }
        Syscalls.Mount("overlay", rootfs, "overlay", 0, options);
        try
        {
            var (uid, gid) = UserResolver.Resolve(rootfs, user);
            var id = "berth-build-" + Guid.NewGuid().ToString("N")[..12];
            await File.WriteAllTextAsync(Path.Combine(bundle, "config.json"), Spec(args, env, cwd, uid, gid, network).ToJsonString(), ct);
            Directory.CreateDirectory(runtimeRoot);
            var log = Path.Combine(workDir, "output.log");
            var psi = new ProcessStartInfo("/bin/sh")
            {
                ArgumentList =
                {
                    "-c", "exec \"$0\" --root \"$1\" run --bundle \"$2\" \"$3\" </dev/null >\"$4\" 2>&1",
                    runtimePath, runtimeRoot, bundle, id, log,
                },
                UseShellExecute = false,
            };
            using var process = Process.Start(psi) ?? throw new BuildException($"cannot start {runtimePath}");
            long relayed = 0;
            var exited = process.WaitForExitAsync(ct);
            try
            {
                while (true)
                {
                    var done = await Task.WhenAny(exited, Task.Delay(100, ct)) == exited;
                    relayed = await RelayAsync(log, relayed, output, ct);
                    if (done)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                _ = Process.Start(runtimePath, ["--root", runtimeRoot, "kill", id, "KILL"]);
                await process.WaitForExitAsync(CancellationToken.None);
                throw;
            }
            await exited;
            if (process.ExitCode != 0)
            {
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "";
                throw new BuildException($"the command [{string.Join(' ', args)}] returned a non-zero code: {process.ExitCode}"
                    + (tail.Length > 0 ? "\n--- last output ---\n" + tail : ""));
            }
            // Mount points runc created for the runtime's own mounts are not the step's output.
            foreach (var m in new[] { "proc", "sys", "dev" })
            {
                var p = Path.Combine(upper, m);
                if (Directory.Exists(p) && !Directory.EnumerateFileSystemEntries(p).Any() && !lowerDirs.Any(l => Path.Exists(Path.Combine(l, m))))
                {
                    Directory.Delete(p);
                }
            }
            return upper;
        }
        finally
        {
            Syscalls.Unmount(rootfs, 0);
        }
    }

    private static async Task<long> RelayAsync(string log, long offset, TextWriter output, CancellationToken ct)
    {
        if (!File.Exists(log))
        {
            return offset;
        }
        await using var f = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (f.Length <= offset)
        {
            return offset;
        }
        f.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(f);
        var text = await reader.ReadToEndAsync(ct);
        await output.WriteAsync(text);
        await output.FlushAsync(ct);
        return f.Length;
    }

    /// <summary>A minimal OCI runtime spec (https://github.com/opencontainers/runtime-spec/blob/main/config.md) with Docker's default capabilities.</summary>
    private static JsonObject Spec(IReadOnlyList<string> args, IReadOnlyList<string> env, string cwd, uint uid, uint gid, string network)
    {
        string[] caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
            "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"];
        JsonArray Caps() => new([.. caps.Select(c => (JsonNode)c)]);
        var namespaces = new JsonArray { new JsonObject { ["type"] = "pid" }, new JsonObject { ["type"] = "ipc" }, new JsonObject { ["type"] = "uts" }, new JsonObject { ["type"] = "mount" } };
        if (network != "host")
        {
            namespaces.Add(new JsonObject { ["type"] = "network" });
        }
        var mounts = new JsonArray
        {
            Mount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
            Mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
            Mount("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
            Mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        };
        if (network == "host" && File.Exists("/etc/resolv.conf"))
        {
            mounts.Add(Mount("/etc/resolv.conf", "bind", "/etc/resolv.conf", ["rbind", "ro"]));
        }
        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = uid, ["gid"] = gid },
                ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
                ["env"] = new JsonArray([.. env.Select(e => (JsonNode)e)]),
                ["cwd"] = cwd,
                ["capabilities"] = new JsonObject { ["bounding"] = Caps(), ["effective"] = Caps(), ["permitted"] = Caps() },
                ["noNewPrivileges"] = false,
            },
            ["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = false },
            ["hostname"] = "berth-build",
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["namespaces"] = namespaces,
                ["maskedPaths"] = new JsonArray("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                ["readonlyPaths"] = new JsonArray("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
            },
        };
    }

    private static JsonObject Mount(string destination, string type, string source, string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = new JsonArray([.. options.Select(o => (JsonNode)o)]),
    };
}
