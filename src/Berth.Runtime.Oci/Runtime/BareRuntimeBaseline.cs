using System.Diagnostics;
using System.Text.Json;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// The yardstick for container start-up figures (issue 3's "bare runc run"): the same layers, mounted
/// as the same overlay, started with <c>RUNTIME run -d</c> in a fresh network namespace
/// (<c>ip netns add</c>), with no shim and no agent. Each run is timed in parts and cleaned up fully.
/// </summary>
public sealed class BareRuntimeBaseline
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly OciRuntimeBinary _binary;
    private readonly string _workDir;
    private readonly string _cgroupParent;

    public BareRuntimeBaseline(OciRuntimeBinary binary, string workDir, string cgroupParent = "/berth-bench")
    {
        _binary = binary;
        _workDir = workDir;
        _cgroupParent = cgroupParent;
    }

    /// <summary>Durations of one run: netns creation, overlay mount, <c>run -d</c> until it returned (the process is running), and their sum.</summary>
    public sealed record Sample(TimeSpan Netns, TimeSpan Mount, TimeSpan Run, TimeSpan Total);

    public async Task<Sample> RunOnceAsync(IReadOnlyList<string> lowerDirs, CancellationToken cancellationToken)
    {
        var id = "bt-bare-" + Guid.NewGuid().ToString("N")[..10];
        var dir = Path.Combine(_workDir, id);
        var netns = id;
        var rootfs = Path.Combine(dir, "rootfs");
        var spec = new ContainerSpec
        {
            Id = id,
            LowerDirs = lowerDirs,
            Process = new ProcessSpec { Args = ["sleep", "3600"] },
            LogPath = "/dev/null",
            Namespaces = new NamespaceSpec { Network = NamespaceRef.Join("/var/run/netns/" + netns) },
            Resources = new ResourceSpec { CgroupParent = _cgroupParent },
        };
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), OciSpecBuilder.Build(spec, "rootfs", Capabilities.HostBoundingSet()).ToJsonString(Indented), cancellationToken);
        var netnsCreated = false;
        try
        {
            var watch = Stopwatch.StartNew();
            var ns = await Command.RunAsync("ip", ["netns", "add", netns], cancellationToken);
            if (!ns.Ok)
            {
                throw new ContainerRuntimeException($"ip netns add {netns}: {ns.Message}");
            }

            netnsCreated = true;
            var tNetns = watch.Elapsed;
            OverlayRootfs.Mount(lowerDirs, Path.Combine(dir, "upper"), Path.Combine(dir, "work"), rootfs);
            var tMount = watch.Elapsed;
            var errFile = Path.Combine(dir, "run.err");
            var pid = NativeProcess.Spawn(_binary.Path, [.. _binary.GlobalArgs, "run", "-d", "--bundle", dir, id], stdio: (null, null, errFile));
            var code = await Task.Factory.StartNew(() => NativeProcess.Wait(pid), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var tRun = watch.Elapsed;
            if (code != 0)
            {
                throw new ContainerRuntimeException($"{_binary.Name} run {id} failed: {File.ReadAllText(errFile).Trim()}");
            }

            return new Sample(tNetns, tMount - tNetns, tRun - tMount, tRun);
        }
        finally
        {
            await _binary.DeleteAsync(id, CancellationToken.None);
            OverlayRootfs.Unmount(rootfs);
            // The parent goes too once empty: a baseline leaves no cgroup behind.
            Cgroups.Remove(OciSpecBuilder.CgroupsPath(spec), "/");
            if (netnsCreated)
            {
                await Command.RunAsync("ip", ["netns", "delete", netns], CancellationToken.None);
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
