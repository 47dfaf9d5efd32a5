using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Berth.Api.Streams;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Conformance;

/// <summary>
/// One black-box suite for every <see cref="IContainerRuntime"/> implementation (as containerd's
/// snapshot testsuite): a subclass per runtime (runc, crun) supplies the fixture. Containers run a
/// busybox layer; every test deletes what it created and checks its own leftovers.
/// </summary>
public abstract partial class RuntimeConformanceSuite
{
    protected RuntimeConformanceSuite(RuntimeFixture fixture)
    {
        Fixture = fixture;
        Fixture.RequireUsable();
    }

    protected RuntimeFixture Fixture { get; }

    protected OciRuntime Runtime => Fixture.Runtime;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateThenStartRunsTheProcessAndRecordsItsExitCode()
    {
        var spec = Spec(["sh", "-c", "echo hello; exit 7"]);
        await using var c = await CreateAsync(spec);
        var created = await Runtime.StatusAsync(spec.Id, Ct);
        Assert.Equal(ContainerState.Created, created!.State);
        Assert.NotNull(created.Pid);
        Assert.Null(created.StartedAt);
        Assert.False(File.Exists(spec.LogPath) && (await File.ReadAllTextAsync(spec.LogPath, Ct)).Contains("hello"), "the process must not run before start");

        await Runtime.StartAsync(spec.Id, Ct);
        var exited = await WaitForExitAsync(spec.Id);
        Assert.Equal(7, exited.ExitCode);
        Assert.Equal("Error", exited.Reason);
        Assert.False(exited.OomKilled);
        Assert.NotNull(exited.StartedAt);
        Assert.True(exited.FinishedAt >= exited.StartedAt!.Value.AddSeconds(-1));
        Assert.Contains("hello", await LogTextAsync(spec));

        var zero = Spec(["true"]);
        await using var c0 = await CreateAsync(zero);
        await Runtime.StartAsync(zero.Id, Ct);
        var done = await WaitForExitAsync(zero.Id);
        Assert.Equal(0, done.ExitCode);
        Assert.Equal("Completed", done.Reason);
    }

    [Fact]
    public async Task ProcessGetsArgsEnvWorkingDirAndUser()
    {
        var spec = Spec(
            ["sh", "-c", "echo \"args=$0,$1 env=$GREETING cwd=$(pwd) uid=$(id -u) gid=$(id -g) groups=$(id -G) oom=$(cat /proc/self/oom_score_adj)\"", "first", "second"],
            s => s with
            {
                Process = s.Process with
                {
                    Env = ["GREETING=hi there"],
                    WorkingDir = "/home/user/work",
                    User = new ProcessUser(1000, 1000, [2000, 3000]),
                    OomScoreAdj = 500,
                },
            });
        await using var c = await RunToExitAsync(spec);
        var log = await LogTextAsync(spec);
        Assert.Contains("args=first,second env=hi there cwd=/home/user/work uid=1000 gid=1000 groups=1000 2000 3000 oom=500", log);
        Assert.Equal(0, (await Runtime.StatusAsync(spec.Id, Ct))!.ExitCode);
    }

    [Fact]
    public async Task ReadOnlyRootfsRefusesWritesButMountsStayWritable()
    {
        var hostDir = Directory.CreateDirectory(Path.Combine(Fixture.DataDir, "volumes", Guid.NewGuid().ToString("N"))).FullName;
        var memoryVolume = Path.Combine(Fixture.DataDir, "volumes", "mem-" + Guid.NewGuid().ToString("N")[..8]);
        HostMounts.MountTmpfs(memoryVolume, 2 << 20);
        try
        {
            var spec = Spec(
                ["sh", "-c", "touch /rootfile 2>/dev/null && echo root=rw || echo root=ro; touch /scratch/f && echo tmpfs=rw; echo data > /vol/f && echo vol=rw; "
                    + "touch /ro/f 2>/dev/null && echo rovol=rw || echo rovol=ro; echo shared > /mem/f && echo mem=$(df -k /mem | tail -1 | awk '{print $2}')k"],
                s => s with
                {
                    Security = s.Security with { ReadOnlyRootfs = true },
                    Mounts =
                    [
                        new MountSpec { Destination = "/scratch", Kind = MountKind.Tmpfs, SizeBytes = 1 << 20 },
                        new MountSpec { Destination = "/vol", Source = hostDir },
                        new MountSpec { Destination = "/ro", Source = hostDir, ReadOnly = true },
                        new MountSpec { Destination = "/mem", Source = memoryVolume },
                    ],
                });
            await using var c = await RunToExitAsync(spec);
            var log = await LogTextAsync(spec);
            Assert.Contains("root=ro", log);
            Assert.Contains("tmpfs=rw", log);
            Assert.Contains("vol=rw", log);
            Assert.Contains("rovol=ro", log);
            Assert.Contains("mem=2048k", log);
            Assert.Equal("data\n", await File.ReadAllTextAsync(Path.Combine(hostDir, "f"), Ct));
            Assert.Equal("shared\n", await File.ReadAllTextAsync(Path.Combine(memoryVolume, "f"), Ct));
        }
        finally
        {
            HostMounts.Unmount(memoryVolume);
        }

        Assert.False(OverlayRootfs.IsMounted(memoryVolume));
    }

    [Fact]
    public async Task CapabilitiesFollowTheDefaultSetWithAddAndDrop()
    {
        // Adding an address needs CAP_NET_ADMIN; ping's raw socket needs CAP_NET_RAW (ping_group_range
        // is closed here, so there is no unprivileged ICMP fallback).
        var script = "grep CapEff /proc/self/status; ip addr add 10.9.9.9/32 dev lo 2>/dev/null && echo admin=yes || echo admin=no; "
            + "ip link set lo up 2>/dev/null; ping -c1 -W2 127.0.0.1 >/dev/null 2>&1 && echo ping=ok || echo ping=failed";
        var byDefault = Spec(["sh", "-c", script]);
        var withAdmin = Spec(["sh", "-c", script], s => s with { Security = s.Security with { CapAdd = ["NET_ADMIN"] } });
        var noRaw = Spec(["sh", "-c", script], s => s with { Security = s.Security with { CapAdd = ["net_admin"], CapDrop = ["CAP_NET_RAW"] } });
        var none = Spec(["sh", "-c", script], s => s with { Security = s.Security with { CapDrop = ["ALL"] } });
        await using var c1 = await RunToExitAsync(byDefault);
        await using var c2 = await RunToExitAsync(withAdmin);
        await using var c3 = await RunToExitAsync(noRaw);
        await using var c4 = await RunToExitAsync(none);

        var defaultLog = await LogTextAsync(byDefault);
        Assert.Equal(Mask(Capabilities.Default), CapEff(defaultLog));
        Assert.Contains("admin=no", defaultLog);

        var adminLog = await LogTextAsync(withAdmin);
        Assert.Equal(Mask(Capabilities.Default.Append("CAP_NET_ADMIN")), CapEff(adminLog));
        Assert.Contains("admin=yes", adminLog);
        Assert.Contains("ping=ok", adminLog);

        var noRawLog = await LogTextAsync(noRaw);
        Assert.Equal(Mask(Capabilities.Default.Append("CAP_NET_ADMIN").Where(x => x != "CAP_NET_RAW")), CapEff(noRawLog));
        Assert.Contains("admin=yes", noRawLog);
        Assert.Contains("ping=failed", noRawLog);

        Assert.Equal(0UL, CapEff(await LogTextAsync(none)));
    }

    [Fact]
    public async Task PrivilegedLiftsMasksAndRestrictionsThatUnprivilegedKeeps()
    {
        var script = "grep -E 'CapEff|NoNewPrivs' /proc/self/status; echo timer_list=$(wc -c < /proc/timer_list); "
            + "echo x > /proc/sys/kernel/domainname 2>/dev/null && echo procsys=rw || echo procsys=ro; grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1 | sed 's/^/sys=/'; "
            + "[ -e /dev/kmsg ] && echo kmsg=present || echo kmsg=absent";
        var plain = Spec(["sh", "-c", script], s => s with { Security = s.Security with { NoNewPrivileges = true } });
        var privileged = Spec(["sh", "-c", script], s => s with { Security = s.Security with { Privileged = true } });
        await using var c1 = await RunToExitAsync(plain);
        await using var c2 = await RunToExitAsync(privileged);

        var plainLog = await LogTextAsync(plain);
        Assert.Contains("NoNewPrivs:\t1", plainLog);
        Assert.Contains("timer_list=0\n", plainLog);
        Assert.Contains("procsys=ro", plainLog);
        Assert.Contains("sys=ro", plainLog);
        Assert.Contains("kmsg=absent", plainLog);

        var privilegedLog = await LogTextAsync(privileged);
        Assert.Equal(Mask(Capabilities.HostBoundingSet()), CapEff(privilegedLog));
        Assert.Contains("NoNewPrivs:\t0", privilegedLog);
        Assert.DoesNotContain("timer_list=0\n", privilegedLog);
        Assert.Contains("sys=rw", privilegedLog);
        Assert.Contains("kmsg=present", privilegedLog);
    }

    [Fact]
    public async Task MemoryLimitLandsInTheCgroupAndAnOomKillIsReported()
    {
        const long limit = 24L << 20;
        var spec = Spec(
            ["sh", "-c", "echo start; x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"],
            s => s with { Resources = s.Resources with { MemoryLimitBytes = limit, CpuShares = 512, CpuQuotaMicros = 50_000, CpuPeriodMicros = 100_000, PidsLimit = 64 } });
        await using var c = await CreateAsync(spec);
        var cgroup = OciSpecBuilder.CgroupsPath(spec);
        Assert.Equal(limit.ToString(CultureInfo.InvariantCulture), Cgroups.Read(cgroup, "memory", "memory.limit_in_bytes"));
        Assert.Equal("512", Cgroups.Read(cgroup, "cpu", "cpu.shares"));
        Assert.Equal("50000", Cgroups.Read(cgroup, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal("64", Cgroups.Read(cgroup, "pids", "pids.max"));

        await Runtime.StartAsync(spec.Id, Ct);
        var exited = await WaitForExitAsync(spec.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(137, exited.ExitCode);
        Assert.True(exited.OomKilled);
        Assert.Equal("OOMKilled", exited.Reason);
        Assert.DoesNotContain("survived", await LogTextAsync(spec));
    }

    [Fact]
    public async Task StopFallsBackToSigkillWhenPid1IgnoresSigterm()
    {
        var spec = Spec(["httpd", "-f", "-p", "8080", "-h", "/var/www"]);
        await using var c = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);
        Assert.Equal(ContainerState.Running, (await Runtime.StatusAsync(spec.Id, Ct))!.State);

        var grace = TimeSpan.FromSeconds(1);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await Runtime.StopAsync(spec.Id, grace, Ct);
        watch.Stop();
        Assert.Equal(ContainerState.Exited, stopped.State);
        Assert.Equal(137, stopped.ExitCode);
        Assert.InRange(watch.Elapsed, grace, grace + TimeSpan.FromSeconds(4));

        var again = await Runtime.StopAsync(spec.Id, grace, Ct);
        Assert.Equal(137, again.ExitCode);
    }

    [Fact]
    public async Task StopIsGracefulWhenTheProcessHandlesSigterm()
    {
        var spec = Spec(["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done"]);
        await using var c = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);
        await WaitForLogAsync(spec, "ready");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await Runtime.StopAsync(spec.Id, TimeSpan.FromSeconds(20), Ct);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"graceful stop took {watch.Elapsed}");
        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains("bye", await LogTextAsync(spec));
    }

    [Fact]
    public async Task ExecWithoutTtyReturnsOutputStreamsAndExitCode()
    {
        var spec = Spec(["sleep", "3600"], s => s with { Process = s.Process with { Env = ["FROM_CONTAINER=yes"] } });
        await using var c = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);

        var (code, stdout, stderr) = await Runtime.ExecCaptureAsync(spec.Id, ["sh", "-c", "echo out $FROM_CONTAINER; echo err >&2; exit 3"], TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(3, code);
        Assert.Equal("out yes\n", stdout);
        Assert.Equal("err\n", stderr);

        using var input = new MemoryStream(Encoding.UTF8.GetBytes("piped input\n"));
        using var output = new MemoryStream();
        var catCode = await Runtime.ExecAsync(spec.Id, new ExecSpec { Args = ["sh", "-c", "cat; id -u"], Stdin = input, Stdout = output, User = new ProcessUser(1000, 1000), WorkingDir = "/tmp" }, Ct);
        Assert.Equal(0, catCode);
        Assert.Equal("piped input\n1000\n", Encoding.UTF8.GetString(output.ToArray()));

        var timedOut = Runtime.ExecCaptureAsync(spec.Id, ["sleep", "30"], TimeSpan.FromMilliseconds(500), Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut);
        var (psCode, ps, _) = await Runtime.ExecCaptureAsync(spec.Id, ["sh", "-c", "ps -o comm | grep -c '^sleep$'"], TimeSpan.FromSeconds(20), Ct);
        Assert.Equal("1\n", ps);
        Assert.Equal(0, psCode);
    }

    [Fact]
    public async Task ExecWithTtyGetsATerminalThatResizes()
    {
        var spec = Spec(["sleep", "3600"]);
        await using var c = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);

        // The command waits for a line: input is forwarded only once the initial size is set.
        var output = new SyncBuffer();
        var go = new ChannelStream();
        go.Write("go\n");
        var code = await Runtime.ExecAsync(
            spec.Id,
            new ExecSpec { Args = ["sh", "-c", "read x; tty; stty size; exit 4"], Tty = true, Stdin = go, Stdout = output, InitialSize = new TerminalSize(120, 40) },
            Ct);
        Assert.Equal(4, code);
        Assert.Matches("/dev/pts/[0-9]+", output.Text);
        Assert.Contains("40 120", output.Text);

        var stdin = new ChannelStream();
        var resize = Channel.CreateUnbounded<TerminalSize>();
        var interactive = new SyncBuffer();
        var exec = Runtime.ExecAsync(
            spec.Id,
            new ExecSpec { Args = ["sh", "-c", "while read line; do [ \"$line\" = quit ] && exit 5; stty size; done"], Tty = true, Stdin = stdin, Stdout = interactive, Resize = resize.Reader, InitialSize = new TerminalSize(80, 24) },
            Ct);
        await resize.Writer.WriteAsync(new TerminalSize(100, 50), Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!interactive.Text.Contains("50 100") && DateTime.UtcNow < deadline)
        {
            stdin.Write("size\n");
            await WaitUntilAsync(() => interactive.Text.Contains("50 100"), TimeSpan.FromMilliseconds(200), throwOnTimeout: false);
        }

        Assert.Contains("50 100", interactive.Text);
        stdin.Write("quit\n");
        Assert.Equal(5, await exec.WaitAsync(TimeSpan.FromSeconds(20), Ct));
    }

    [Fact]
    public async Task LogsAreInCriFormatWithTailPartialLinesAndFollow()
    {
        var spec = Spec(["sh", "-c", "echo one; echo two >&2; printf 'part-'; sleep 0.2; echo whole; for i in 1 2 3 4 5; do echo n$i; sleep 0.1; done"]);
        await using var c = await CreateAsync(spec);
        var follow = new List<CriLogEntry>();
        await Runtime.StartAsync(spec.Id, Ct);
        await foreach (var e in CriLogReader.ReadAsync(spec.LogPath, new LogReadOptions { Follow = true }, async ct => (await Runtime.StatusAsync(spec.Id, ct))?.State == ContainerState.Running, Ct))
        {
            follow.Add(e);
        }

        Assert.Equal(["one", "two", "part-whole", "n1", "n2", "n3", "n4", "n5"], follow.Select(e => e.Text).ToArray());
        Assert.Equal("stderr", follow[1].Stream);
        Assert.All(follow, e => Assert.True(e.Complete));

        var raw = await File.ReadAllLinesAsync(spec.LogPath, Ct);
        Assert.All(raw, l => Assert.Matches(CriLine(), l));
        Assert.Contains(raw, l => l.Contains(" stdout P part-", StringComparison.Ordinal));

        var tail = new List<CriLogEntry>();
        await foreach (var e in CriLogReader.ReadAsync(spec.LogPath, new LogReadOptions { TailLines = 2 }, null, Ct))
        {
            tail.Add(e);
        }

        Assert.Equal(["n4", "n5"], tail.Select(e => e.Text).ToArray());

        using var formatted = new MemoryStream();
        await CriLogReader.CopyToAsync(spec.LogPath, new LogReadOptions { TailLines = 1, Timestamps = true }, formatted, null, Ct);
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z n5\n$", Encoding.UTF8.GetString(formatted.ToArray()));

        var since = follow[3].Timestamp;
        var fromSince = new List<string>();
        await foreach (var e in CriLogReader.ReadAsync(spec.LogPath, new LogReadOptions { Since = since }, null, Ct))
        {
            fromSince.Add(e.Text);
        }

        Assert.Equal(["n1", "n2", "n3", "n4", "n5"], fromSince);
    }

    [Fact]
    public async Task ANewRuntimeInstanceAdoptsRunningContainersAndCanStopThem()
    {
        var spec = Spec(["httpd", "-f", "-p", "8080"]);
        await using var c = await CreateAsync(spec);
        await Runtime.StartAsync(spec.Id, Ct);
        var before = await Runtime.StatusAsync(spec.Id, Ct);

        var restarted = Fixture.NewRuntime();
        var listed = (await restarted.ListAsync(Ct)).Single(s => s.Id == spec.Id);
        Assert.Equal(ContainerState.Running, listed.State);
        Assert.Equal(before!.Pid, listed.Pid);
        Assert.Equal(before.ShimPid, listed.ShimPid);
        Assert.Equal(spec.SandboxId, listed.SandboxId);
        Assert.Equal("web", listed.Annotations["io.kubernetes.container.name"]);

        var (code, stdout, _) = await restarted.ExecCaptureAsync(spec.Id, ["echo", "still here"], TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(0, code);
        Assert.Equal("still here\n", stdout);

        var stopped = await restarted.StopAsync(spec.Id, TimeSpan.FromMilliseconds(300), Ct);
        Assert.Equal(137, stopped.ExitCode);
        Assert.Equal(ContainerState.Exited, (await Runtime.StatusAsync(spec.Id, Ct))!.State);
        await restarted.DeleteAsync(spec.Id, Ct);
        Assert.Null(await Runtime.StatusAsync(spec.Id, Ct));
    }

    [Fact]
    public async Task DeleteLeavesNothingBehindAndIsIdempotent()
    {
        foreach (var start in new[] { true, false })
        {
            var spec = Spec(["sleep", "3600"], s => s with { Resources = s.Resources with { MemoryLimitBytes = 64L << 20 } });
            await Runtime.CreateAsync(spec, Ct);
            if (start)
            {
                await Runtime.StartAsync(spec.Id, Ct);
            }

            var status = (await Runtime.StatusAsync(spec.Id, Ct))!;
            var dir = Path.Combine(Runtime.ContainersDir, spec.Id);
            Assert.True(OverlayRootfs.IsMounted(Path.Combine(dir, "rootfs")));
            Assert.NotEmpty(Cgroups.ExistingDirectories(status.CgroupsPath));
            Assert.True(ProcessInfo.IsAlive(status.ShimPid!.Value));

            await Runtime.DeleteAsync(spec.Id, Ct);

            Assert.False(Directory.Exists(dir));
            Assert.False(OverlayRootfs.IsMounted(Path.Combine(dir, "rootfs")));
            Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(spec.Id, StringComparison.Ordinal));
            Assert.Empty(Cgroups.ExistingDirectories(status.CgroupsPath));
            Assert.Empty(Cgroups.ExistingDirectories(status.CgroupsPath[..status.CgroupsPath.LastIndexOf('/')]));
            await WaitUntilAsync(() => !Directory.Exists($"/proc/{status.ShimPid}"), TimeSpan.FromSeconds(10));
            Assert.False(ProcessInfo.IsAlive(status.Pid!.Value), "the container's process must be gone");
            Assert.Null(await Fixture.Binary.StateAsync(spec.Id, Ct));
            Assert.False(File.Exists(Path.Combine("/run/berth/conmon", spec.Id)));
            Assert.True(File.Exists(spec.LogPath), "the log outlives the container");
            Assert.Null(await Runtime.StatusAsync(spec.Id, Ct));

            await Runtime.DeleteAsync(spec.Id, Ct);
        }
    }

    [Fact]
    public async Task HostnameEtcFilesAndPodNamespacesAreShared()
    {
        var podId = "bt-pod-" + Guid.NewGuid().ToString("N")[..8];
        var pod = PodNamespaces.For(podId);
        var netns = "bt-" + Guid.NewGuid().ToString("N")[..8];
        var etc = Directory.CreateDirectory(Path.Combine(Fixture.DataDir, "etc-" + podId)).FullName;
        await File.WriteAllTextAsync(Path.Combine(etc, "hosts"), "10.1.2.3 bt-peer\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(etc, "resolv.conf"), "nameserver 10.96.0.10\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(etc, "hostname"), "bt-pod-host\n", Ct);
        Assert.True((await Command.RunAsync("ip", ["netns", "add", netns], Ct)).Ok);
        try
        {
            await pod.CreateAsync("bt-pod-host", Ct);
            ContainerSpec InPod(ContainerSpec s) => s with
            {
                Hostname = "bt-pod-host",
                Namespaces = pod.Apply(s.Namespaces) with { Network = NamespaceRef.Join("/var/run/netns/" + netns) },
                HostsFile = Path.Combine(etc, "hosts"),
                ResolvConfFile = Path.Combine(etc, "resolv.conf"),
                HostnameFile = Path.Combine(etc, "hostname"),
            };
            var script = "echo host=$(hostname) ipc=$(readlink /proc/self/ns/ipc) net=$(readlink /proc/self/ns/net); cat /etc/hosts /etc/resolv.conf /etc/hostname";
            var a = Spec(["sh", "-c", script], InPod);
            var b = Spec(["sh", "-c", script], InPod);
            await using var ca = await RunToExitAsync(a);
            await using var cb = await RunToExitAsync(b);
            var logA = await LogTextAsync(a);
            var logB = await LogTextAsync(b);
            var netInode = Native.Inode("/var/run/netns/" + netns);
            Assert.Contains($"host=bt-pod-host", logA);
            Assert.Contains($"net=net:[{netInode}]", logA);
            Assert.Equal(IpcOf(logA), IpcOf(logB));
            Assert.Contains("10.1.2.3 bt-peer", logA);
            Assert.Contains("nameserver 10.96.0.10", logA);
            Assert.Contains("bt-pod-host", logB);
        }
        finally
        {
            await pod.RemoveAsync(CancellationToken.None);
            await Command.RunAsync("ip", ["netns", "delete", netns], CancellationToken.None);
        }

        Assert.False(pod.Exists);
    }

    [Fact]
    public async Task FailuresCarryTheRuntimeErrorAndLeaveNothing()
    {
        // runc resolves the executable at create, crun at start: either way the error must say why.
        var spec = Spec(["/no/such/binary"]);
        var error = await Record.ExceptionAsync(async () =>
        {
            await Runtime.CreateAsync(spec, Ct);
            await Runtime.StartAsync(spec.Id, Ct);
        });
        if (error is null)
        {
            var exited = await WaitForExitAsync(spec.Id);
            Assert.NotEqual(0, exited.ExitCode);
        }
        else
        {
            Assert.Contains("no such file", error.Message, StringComparison.OrdinalIgnoreCase);
        }

        await Runtime.DeleteAsync(spec.Id, Ct);
        Assert.False(Directory.Exists(Path.Combine(Runtime.ContainersDir, spec.Id)));
        Assert.Null(await Fixture.Binary.StateAsync(spec.Id, Ct));

        var badLayer = Spec(["true"], s => s with { LowerDirs = [Path.Combine(Fixture.DataDir, "missing-layer")] });
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Runtime.CreateAsync(badLayer, Ct));
        Assert.Contains("missing-layer", failure.Message);
        Assert.False(Directory.Exists(Path.Combine(Runtime.ContainersDir, badLayer.Id)));

        await Assert.ThrowsAsync<ContainerNotFoundException>(() => Runtime.StartAsync("bt-never-created", Ct));
        Assert.Null(await Runtime.StatusAsync("bt-never-created", Ct));
    }

    [Fact]
    public async Task StartupLatencyAndShimFootprintAreReported()
    {
        const int runs = 10;
        var berth = new List<double>();
        var rss = new List<long>();
        var baseline = new BareRuntimeBaseline(Fixture.Binary, Path.Combine(Fixture.DataDir, "bare"), Fixture.CgroupRoot);
        var bare = new List<BareRuntimeBaseline.Sample>();
        for (var i = 0; i < runs; i++)
        {
            // Interleaved with the bare runs so that both see the same load on this shared machine.
            var spec = Spec(["sleep", "3600"]);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await Runtime.CreateAsync(spec, Ct);
            await Runtime.StartAsync(spec.Id, Ct);
            watch.Stop();
            berth.Add(watch.Elapsed.TotalMilliseconds);
            rss.Add(await Runtime.ShimRssAsync(spec.Id, Ct) ?? 0);
            await Runtime.DeleteAsync(spec.Id, Ct);
            bare.Add(await baseline.RunOnceAsync([Fixture.LowerDir], Ct));
        }

        static double P(IEnumerable<double> xs, double q)
        {
            var sorted = xs.OrderBy(x => x).ToList();
            return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
        }

        var bareAll = bare.Select(b => b.Total.TotalMilliseconds).ToList();
        var bareNoNetns = bare.Select(b => (b.Mount + b.Run).TotalMilliseconds).ToList();
        TestContext.Current.SendDiagnosticMessage(
            $"{Fixture.RuntimeName}: create+start via conmon p50 {P(berth, 0.5):F1} ms p90 {P(berth, 0.9):F1} ms; "
            + $"bare run -d p50 {P(bareAll, 0.5):F1} ms (netns+mount+run), {P(bareNoNetns, 0.5):F1} ms (mount+run); "
            + $"conmon RSS median {rss.OrderBy(r => r).ElementAt(runs / 2) / 1024} KiB");
        Assert.InRange(P(berth, 0.5), 1, 2000);
        Assert.All(rss, r => Assert.InRange(r, 1, 32L << 20));
    }

    [Fact]
    public async Task BareRuntimeBaselineRunsTheSameRootfsInAFreshNetns()
    {
        var baseline = new BareRuntimeBaseline(Fixture.Binary, Path.Combine(Fixture.DataDir, "bare"), Fixture.CgroupRoot);
        var samples = new List<BareRuntimeBaseline.Sample>();
        for (var i = 0; i < 3; i++)
        {
            samples.Add(await baseline.RunOnceAsync([Fixture.LowerDir], Ct));
        }

        Assert.All(samples, s => Assert.True(s.Total > TimeSpan.Zero && s.Total < TimeSpan.FromSeconds(20)));
        TestContext.Current.SendDiagnosticMessage($"{Fixture.RuntimeName} bare run: {string.Join(", ", samples.Select(s => $"{s.Total.TotalMilliseconds:F1} ms"))}");
        var leftovers = (await Fixture.Binary.ListAsync(Ct)).Where(s => s.Bundle.StartsWith(Path.Combine(Fixture.DataDir, "bare"), StringComparison.Ordinal));
        Assert.Empty(leftovers);
    }
}
