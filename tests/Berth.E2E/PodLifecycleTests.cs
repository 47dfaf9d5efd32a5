using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Issue 3's node agent, driven as a user would: `berth up` with its own bridge and pod CIDR, examples/busybox built
/// into its data dir, pods applied with kubectl (spec.nodeName set: there is no scheduler yet), then Running and
/// Ready, curl of the pod IP, logs (-f, --previous), exec (exit codes, tty), restarts on kill and on a failing
/// liveness probe, ErrImagePull then ImagePullBackOff, and a delete that leaves nothing behind.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class PodLifecycleTests(PodLifecycleTests.Fixture fx) : IClassFixture<PodLifecycleTests.Fixture>
{
    [Fact]
    public async Task HttpPodRunsServesAndAnswersLogsAndExec()
    {
        var ct = TestContext.Current.CancellationToken;
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              containers:
              - name: web
                image: {{Fixture.Image}}
                command: [httpd, -f, -v, -p, "80", -h, /var/www]
                ports: [{name: http, containerPort: 80}]
                env:
                - name: POD
                  valueFrom:
                    fieldRef: {fieldPath: metadata.name}
                - {name: GREETING, value: "hello $(POD)"}
                readinessProbe:
                  httpGet: {path: /, port: http}
                  periodSeconds: 1
            """);
        await fx.Kubectl.OkAsync("wait --for=condition=Ready pod/web --timeout=60s");
        var table = await fx.Kubectl.OkAsync("get pod web -o wide");
        Assert.Matches(@"web\s+1/1\s+Running\s+0", table);
        var ip = (await fx.Kubectl.OkAsync("get pod web -o jsonpath={.status.podIP}")).Trim();
        Assert.StartsWith("10.251.1.", ip);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Contains("It works", await http.GetStringAsync($"http://{ip}/", ct));
        Assert.Contains("response:200", await fx.Kubectl.OkAsync("logs web"));

        // logs -f: a new request shows up on the followed stream.
        var follow = StartKubectl("logs -f web --tail=1");
        await http.GetStringAsync($"http://{ip}/?follow", ct);
        var seen = await ReadUntilAsync(follow, "response:200", TimeSpan.FromSeconds(20));
        follow.Kill();
        Assert.True(seen, "logs -f did not show the new request");

        var exec = await fx.Kubectl.RunAsync("exec web -- sh -c 'echo $GREETING; hostname; exit 3'");
        Assert.Equal(3, exec.ExitCode);
        Assert.Equal("hello web\nweb\n", exec.Stdout);
        var tty = await Shell($"script -qc \"kubectl --cache-dir {fx.CacheDir} exec -it web -- tty\" /dev/null", ct);
        Assert.Contains("/dev/pts/", tty);

        var missing = await fx.Kubectl.RunAsync("logs web -c nope");
        Assert.NotEqual(0, missing.ExitCode);
    }

    [Fact]
    public async Task KubectlTopShowsThePodsAndTheNodesUsage()
    {
        var ct = TestContext.Current.CancellationToken;
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: busy}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - name: spin
                image: {{Fixture.Image}}
                command: [sh, -c, "while :; do :; done"]
            """);
        await fx.Kubectl.OkAsync("wait --for=condition=Ready pod/busy --timeout=60s");

        // Two samples (5 s apart) are needed before a rate exists: poll like a user re-running the command.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        KubectlResult top;
        do
        {
            top = await fx.Kubectl.RunAsync("top pod busy --containers");
            if (top.ExitCode == 0)
            {
                break;
            }

            await Task.Delay(1000, ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(top.ExitCode == 0, $"kubectl top pod never answered: {top.Stderr}");
        // POD NAME CPU(cores) MEMORY(bytes): a shell spinning on one core shows hundreds of millicores.
        var row = top.Stdout.Split('\n').Single(l => l.StartsWith("busy", StringComparison.Ordinal));
        var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("spin", cells[1]);
        Assert.True(int.Parse(cells[2].TrimEnd('m'), System.Globalization.CultureInfo.InvariantCulture) >= 100, row);
        Assert.EndsWith("Mi", cells[3], StringComparison.Ordinal);

        var nodes = await fx.Kubectl.OkAsync("top node");
        Assert.Matches(@"(?m)^" + fx.Berth.NodeName + @"\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", nodes);
        await fx.Kubectl.OkAsync("delete pod busy --wait=true");
    }

    [Fact]
    public async Task KilledProcessRestartsAndCrashLoopsWithBackOff()
    {
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: {{Fixture.Image}}, command: [sh, -c, "echo started; sleep 3600"]}
            """);
        await fx.Kubectl.OkAsync("wait --for=condition=Ready pod/crasher --timeout=60s");
        for (var i = 1; i <= 2; i++)
        {
            var id = (await fx.Kubectl.OkAsync("get pod crasher -o jsonpath={.status.containerStatuses[0].containerID}")).Trim().Split("://")[1];
            var pid = int.Parse(File.ReadAllText(Path.Combine(fx.Berth.DataDir, "containers", id, "pidfile")).Trim());
            Process.GetProcessById(pid).Kill();
            var restarts = i;
            await WaitForAsync(async () => (await fx.Kubectl.OkAsync("get pod crasher -o jsonpath={.status.containerStatuses[0].restartCount}")).Trim() == restarts.ToString(), TimeSpan.FromSeconds(40));
        }

        // The third crash comes within the 10 s back-off of the second restart.
        var status = await fx.Kubectl.OkAsync("get pod crasher -o json");
        var last = JsonNode.Parse(status)!["status"]!["containerStatuses"]![0]!;
        Assert.Equal(137, (int)last["lastState"]!["terminated"]!["exitCode"]!);
        Assert.Contains("started", await fx.Kubectl.OkAsync("logs crasher --previous"));
        var id3 = (await fx.Kubectl.OkAsync("get pod crasher -o jsonpath={.status.containerStatuses[0].containerID}")).Trim().Split("://")[1];
        await WaitForAsync(() => Task.FromResult(File.Exists(Path.Combine(fx.Berth.DataDir, "containers", id3, "pidfile"))), TimeSpan.FromSeconds(10));
        Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(fx.Berth.DataDir, "containers", id3, "pidfile")).Trim())).Kill();
        await WaitForAsync(async () => (await fx.Kubectl.OkAsync("get pod crasher")).Contains("CrashLoopBackOff"), TimeSpan.FromSeconds(20));
        var waiting = (await fx.Kubectl.OkAsync("get pod crasher -o jsonpath={.status.containerStatuses[0].state.waiting.message}")).Trim();
        Assert.Matches(@"^back-off \d+s restarting failed container=c pod=crasher_default\(", waiting);
        Assert.Contains("Back-off restarting failed container c in pod crasher_default", await fx.Kubectl.OkAsync("get events --field-selector involvedObject.name=crasher"));
    }

    [Fact]
    public async Task FailingLivenessProbeRestartsTheContainer()
    {
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: unhealthy}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: {{Fixture.Image}}
                command: [sh, -c, "touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 3600"]
                livenessProbe:
                  exec: {command: [cat, /tmp/ok]}
                  periodSeconds: 1
                  failureThreshold: 2
            """);
        await WaitForAsync(async () => (await fx.Kubectl.OkAsync("get pod unhealthy -o jsonpath={.status.containerStatuses[0].restartCount}")).Trim() is not ("" or "0"), TimeSpan.FromSeconds(60));
        var events = await fx.Kubectl.OkAsync("get events --field-selector involvedObject.name=unhealthy");
        Assert.Contains("Liveness probe failed: cat: can't open '/tmp/ok'", events);
        Assert.Contains("Container c failed liveness probe, will be restarted", events);
    }

    [Fact]
    public async Task BadImageShowsErrImagePullThenImagePullBackOff()
    {
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: badimage}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              containers:
              - {name: c, image: "127.0.0.1:1/nope:1"}
            """);
        var reasons = new HashSet<string>();
        string message = "";
        await WaitForAsync(async () =>
        {
            var w = JsonNode.Parse(await fx.Kubectl.OkAsync("get pod badimage -o json"))!["status"]!["containerStatuses"]?[0]?["state"]?["waiting"];
            if (w?["reason"]?.GetValue<string>() is { } r)
            {
                reasons.Add(r);
                message = w["message"]?.GetValue<string>() ?? "";
            }

            return reasons.Contains("ErrImagePull") && reasons.Contains("ImagePullBackOff");
        }, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(100));
        Assert.Contains("dial tcp 127.0.0.1:1: connect: connection refused", message);
        Assert.Matches(@"badimage\s+0/1\s+(ErrImagePull|ImagePullBackOff)", await fx.Kubectl.OkAsync("get pod badimage"));
    }

    [Fact]
    public async Task DeletedPodLeavesNothingBehind()
    {
        await fx.Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: doomed}
            spec:
              nodeName: {{fx.Berth.NodeName}}
              volumes:
              - name: scratch
                emptyDir: {medium: Memory}
              containers:
              - {name: c, image: {{Fixture.Image}}, command: [sh, -c, "sleep 3600"], volumeMounts: [{name: scratch, mountPath: /scratch}]}
            """);
        await fx.Kubectl.OkAsync("wait --for=condition=Ready pod/doomed --timeout=60s");
        var uid = (await fx.Kubectl.OkAsync("get pod doomed -o jsonpath={.metadata.uid}")).Trim();
        var id = (await fx.Kubectl.OkAsync("get pod doomed -o jsonpath={.status.containerStatuses[0].containerID}")).Trim().Split("://")[1];
        var sw = Stopwatch.StartNew();
        await fx.Kubectl.OkAsync("delete pod doomed --timeout=60s");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(45), $"delete took {sw.Elapsed}");
        var netns = "berth-" + uid.Replace("-", "")[..12];
        Assert.DoesNotContain(netns, await Shell("ip netns list", TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(fx.Berth.DataDir, "containers", id)));
        Assert.False(Directory.Exists(Path.Combine(fx.Berth.DataDir, "pods", uid)));
        Assert.DoesNotContain(fx.Berth.DataDir, File.ReadAllText("/proc/mounts").Split('\n').Where(l => l.Contains(uid, StringComparison.Ordinal)));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/berth/pod{uid}"));
        Assert.DoesNotContain(id, await Shell("pgrep -a conmon || true", TestContext.Current.CancellationToken));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(250));
        }
    }

    private Process StartKubectl(string args)
    {
        var psi = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args.Split(' '))
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(fx.CacheDir);
        psi.Environment["KUBECONFIG"] = fx.Berth.Kubeconfig;
        return Process.Start(psi)!;
    }

    private static async Task<bool> ReadUntilAsync(Process p, string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await p.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    private async Task<string> Shell(string command, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = fx.Berth.Kubeconfig;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return output;
    }

    /// <summary>One `berth up` for the class, on bridge bt-e2epod1 and 10.251.1.0/24, with busybox-httpd built into its store.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public const string Image = "busybox-httpd:e2e";

        public BerthProcess Berth { get; private set; } = null!;

        public Kubectl Kubectl { get; private set; } = null!;

        public string CacheDir { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            var dataDir = Directory.CreateTempSubdirectory("bt-berth-pods-").FullName;
            await BuildBusyboxAsync(dataDir, Image);
            Berth = await BerthProcess.StartAsync("--pod-cidr 10.251.1.0/24 --bridge bt-e2epod1", dataDir: dataDir);
            CacheDir = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
            Kubectl = new Kubectl(Berth.Kubeconfig, CacheDir);
        }

        public async ValueTask DisposeAsync()
        {
            await Berth.DisposeAsync();
            Directory.Delete(CacheDir, recursive: true);
        }

        /// <summary>examples/busybox built with `berth image build` into <paramref name="dataDir"/> (the context copied, so the repository stays clean).</summary>
        public static async Task BuildBusyboxAsync(string dataDir, string tag)
        {
            var context = Directory.CreateTempSubdirectory("bt-bbctx-").FullName;
            try
            {
                var example = Path.Combine(TestPaths.RepoRoot, "examples", "busybox");
                foreach (var f in Directory.EnumerateFiles(example, "*", SearchOption.AllDirectories))
                {
                    var to = Path.Combine(context, Path.GetRelativePath(example, f));
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    File.Copy(f, to, overwrite: true);
                }

                File.Copy("/bin/busybox", Path.Combine(context, "busybox"), overwrite: true);
                File.SetUnixFileMode(Path.Combine(context, "busybox"), (UnixFileMode)0x1ED);
                var psi = new ProcessStartInfo(TestPaths.Berth, ["image", "build", "-t", tag, context, "--data-dir", dataDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = Process.Start(psi)!;
                var output = p.StandardOutput.ReadToEndAsync();
                var error = p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                if (p.ExitCode != 0)
                {
                    throw new InvalidOperationException($"berth image build failed: {await output}{await error} (apt-get install busybox-static?)");
                }
            }
            finally
            {
                Directory.Delete(context, recursive: true);
            }
        }
    }
}
