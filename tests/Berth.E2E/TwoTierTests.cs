using System.Diagnostics;
using System.Text.RegularExpressions;
using Berth.Testing;
using k8s;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Issue 5 as a user sees it, on one `berth up` (its own bridge bt-e2etier, pod range 10.254.5.0/24, so its nftables
/// tables are <c>bt-e2etier</c> and <c>bt-e2etier-policy</c>): examples/two-tier built with `berth image build` and
/// applied unchanged. The front, reached on its NodePort at 127.0.0.1:30080, calls the back by its Service name; its
/// answer shows the name resolved by cluster DNS to the back's ClusterIP and a back pod that saw the front's own
/// address. Then: kubectl's tables and describe; the back scaled to 3 takes requests on all three; a back pod made
/// unready by its readiness probe leaves the data plane within a second of turning unready; a NetworkPolicy cuts the
/// front → back path and its deletion restores it; deleting everything leaves no rule, interface, route, netns or
/// DNS name behind.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class TwoTierTests : IAsyncLifetime
{
    private const string Bridge = "bt-e2etier";
    private const string Gateway = "10.254.5.1";
    private const string Image = "two-tier:v1";
    private BerthProcess _berth = null!;
    private Kubectl _kubectl = null!;
    private string _cache = "";

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-tier-").FullName;
        await BuildTwoTierAsync(dataDir);
        _berth = await BerthProcess.StartAsync($"--pod-cidr 10.254.5.0/24 --bridge {Bridge}", dataDir: dataDir);
        _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        _kubectl = new Kubectl(_berth.Kubeconfig, _cache);
    }

    public async ValueTask DisposeAsync()
    {
        await _kubectl.RunAsync("delete namespace two-tier --ignore-not-found --timeout=60s", timeout: TimeSpan.FromSeconds(90));
        await _berth.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task FrontReachesBackByNameThroughTheVirtualIpScalesDropsUnreadyObeysPolicyAndCleansUp()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var example = Path.Combine(TestPaths.RepoRoot, "examples", "two-tier");
        await _kubectl.OkAsync($"apply -f {Path.Combine(example, "two-tier.yaml")}");
        await WaitForAsync(async () => (await _kubectl.RunAsync("-n two-tier get pods -o name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3, TimeSpan.FromSeconds(30), "3 pods created");
        await _kubectl.OkAsync("-n two-tier wait --for=condition=Ready pod --all --timeout=60s");
        await WaitForAsync(async () => (await EndpointIpsAsync("back")).Length == 2, TimeSpan.FromSeconds(20), "2 back endpoints");

        // The front's answer: DNS gave the back's ClusterIP, and the back saw the front's pod address (no SNAT in the cluster).
        var backIp = (await _kubectl.OkAsync("-n two-tier get svc back -o jsonpath={.spec.clusterIP}")).Trim();
        var frontPodIp = (await _kubectl.OkAsync("-n two-tier get pods -l app=front -o jsonpath={.items[0].status.podIP}")).Trim();
        Assert.StartsWith("10.96.", backIp);
        var answer = await http.GetStringAsync("http://127.0.0.1:30080/", ct);
        Assert.Contains($"called: http://back/ (back resolved to {backIp})", answer);
        Assert.Matches($@"back: pod=back-\S+ ip=10\.254\.5\.\d+ client={Regex.Escape(frontPodIp)}\n", answer);

        // What kubectl shows, as Kubernetes would.
        var tables = await _kubectl.OkAsync("-n two-tier get svc,endpoints,endpointslices");
        Assert.Matches(@"NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE", tables);
        Assert.Matches($@"service/back\s+ClusterIP\s+{Regex.Escape(backIp)}\s+<none>\s+80/TCP\s", tables);
        Assert.Matches(@"service/front\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:30080/TCP\s", tables);
        Assert.Matches(@"NAME\s+ENDPOINTS\s+AGE", tables);
        Assert.Matches(@"endpoints/back\s+10\.254\.5\.\d+:8080,10\.254\.5\.\d+:8080\s", tables);
        Assert.Matches($@"endpoints/front\s+{Regex.Escape(frontPodIp)}:8080\s", tables);
        Assert.Matches(@"NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE", tables);
        Assert.Matches(@"endpointslice.discovery.k8s.io/back-\w+\s+IPv4\s+8080\s+10\.254\.5\.\d+,10\.254\.5\.\d+\s", tables);
        var describe = await _kubectl.OkAsync("-n two-tier describe svc back");
        var backPodIps = (await _kubectl.OkAsync("-n two-tier get pods -l app=back -o jsonpath={.items[*].status.podIP}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"Selector:\s+app=back\n", describe);
        Assert.Matches(@"Type:\s+ClusterIP\n", describe);
        Assert.Matches($@"IP:\s+{Regex.Escape(backIp)}\n", describe);
        Assert.Matches(@"Port:\s+http\s+80/TCP\n", describe);
        Assert.Matches(@"TargetPort:\s+http/TCP\n", describe);
        var endpointsLine = Regex.Match(describe, @"Endpoints:\s+(\S+)\n").Groups[1].Value;
        Assert.Equal(backPodIps.Select(ip => ip + ":8080").Order(), endpointsLine.Split(',').Order());
        Assert.Matches(@"NodePort:\s+http\s+30080/TCP\n", await _kubectl.OkAsync("-n two-tier describe svc front"));

        // Three backs: requests spread over all three.
        await _kubectl.OkAsync("-n two-tier scale deployment back --replicas=3");
        await WaitForAsync(async () => (await EndpointIpsAsync("back")).Length == 3, TimeSpan.FromSeconds(60), "3 back endpoints");
        var backPods = (await _kubectl.OkAsync("-n two-tier get pods -l app=back -o jsonpath={.items[*].metadata.name}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, backPods.Length);
        var hits = new Dictionary<string, int>();
        for (var i = 0; i < 90 && (hits.Count < 3 || i < 30); i++)
        {
            var pod = BackPod(await http.GetStringAsync("http://127.0.0.1:30080/", ct));
            hits[pod] = hits.GetValueOrDefault(pod) + 1;
        }

        Assert.Equal(backPods.Order(), hits.Keys.Order());

        // One back turns unready (its probe's file removed): measured from the API showing Ready=False to its address
        // leaving the service rules, with both watched concurrently.
        var victim = backPods[0];
        var victimIp = (await _kubectl.OkAsync($"-n two-tier get pod {victim} -o jsonpath={{.status.podIP}}")).Trim();
        Assert.Contains($"__{victimIp}/8080", await NftAsync(Bridge));
        var timing = await MeasureUnreadyAsync(victim, victimIp, ct);
        Console.WriteLine($"[two-tier unready] exec→Ready=False {timing.Unready.TotalMilliseconds:F0} ms; Ready=False→out of the rules {(timing.Removed - timing.Unready).TotalMilliseconds:F0} ms; exec→out {timing.Removed.TotalMilliseconds:F0} ms");
        Assert.True(timing.Removed - timing.Unready < TimeSpan.FromSeconds(1), $"unready pod left the data plane {(timing.Removed - timing.Unready).TotalMilliseconds:F0} ms after turning unready");
        for (var i = 0; i < 20; i++)
        {
            Assert.NotEqual(victim, BackPod(await http.GetStringAsync("http://127.0.0.1:30080/", ct)));
        }

        // A NetworkPolicy cutting front → back: the front answers 502; deleting it restores the path.
        var policy = Path.Combine(example, "deny-front-to-back.yaml");
        await _kubectl.OkAsync($"apply -f {policy}");
        var sw = Stopwatch.StartNew();
        await WaitForAsync(async () => (int)(await http.GetAsync("http://127.0.0.1:30080/", ct)).StatusCode == 502, TimeSpan.FromSeconds(10), "front → back denied");
        var denied = await http.GetAsync("http://127.0.0.1:30080/", ct);
        Assert.Equal(502, (int)denied.StatusCode);
        Assert.Contains("back unreachable", await denied.Content.ReadAsStringAsync(ct));
        Assert.Contains($"table ip {Bridge}-policy", await HostAsync("nft", "list tables"));
        Console.WriteLine($"[two-tier policy] denied {sw.ElapsedMilliseconds} ms after apply");
        await _kubectl.OkAsync($"delete -f {policy}");
        await WaitForAsync(async () => (await http.GetAsync("http://127.0.0.1:30080/", ct)).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "front → back allowed again");
        Assert.Matches(@"back: pod=back-", await http.GetStringAsync("http://127.0.0.1:30080/", ct));
        await WaitForAsync(async () => !(await HostAsync("nft", "list tables")).Contains($"{Bridge}-policy"), TimeSpan.FromSeconds(10), "policy table removed with the last policy");

        // Everything deleted: nothing of the app remains in the rules, on the bridge, in the routes, netns or DNS.
        var uids = (await _kubectl.OkAsync("-n two-tier get pods -o jsonpath={.items[*].metadata.uid}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var podIps = (await _kubectl.OkAsync("-n two-tier get pods -o jsonpath={.items[*].status.podIP}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, uids.Length);
        await _kubectl.OkAsync("delete namespace two-tier --timeout=90s");
        await WaitForAsync(async () => !(await NftAsync(Bridge)).Contains("two-tier"), TimeSpan.FromSeconds(10), "service rules removed");
        var table = await NftAsync(Bridge);
        Assert.DoesNotContain("30080", table);
        Assert.DoesNotContain(backIp, table);
        Assert.All(podIps, ip => Assert.DoesNotContain(ip + "/", table));
        Assert.Contains("default/kubernetes", table);
        Assert.DoesNotContain($"{Bridge}-policy", await HostAsync("nft", "list tables"));
        Assert.Equal("", (await HostAsync("ip", $"-br link show master {Bridge}")).Trim());
        var routes = await HostAsync("ip", "route show table all");
        Assert.All(podIps, ip => Assert.DoesNotMatch($@"(^|\s){Regex.Escape(ip)}(\s|/)", routes));
        var netns = await HostAsync("ip", "netns list");
        Assert.All(uids, uid => Assert.DoesNotContain("berth-" + uid.Replace("-", "", StringComparison.Ordinal)[..12], netns));
        var nat = await HostAsync("iptables", "-t nat -S");
        Assert.All(uids, uid => Assert.DoesNotContain(uid, nat));
        var lookup = await HostRunAsync("busybox", $"nslookup back.two-tier.svc.cluster.local {Gateway}");
        Assert.Contains("NXDOMAIN", lookup.Output);
        Assert.Contains("NXDOMAIN", (await HostRunAsync("busybox", $"nslookup front.two-tier.svc.cluster.local {Gateway}")).Output);
        Assert.Contains("10.96.0.1", (await HostRunAsync("busybox", $"nslookup kubernetes.default.svc.cluster.local {Gateway}")).Output);
    }

    /// <summary>Removes the victim's readiness file and watches, concurrently, its Ready condition in the API and its rules in nftables.</summary>
    private async Task<(TimeSpan Unready, TimeSpan Removed)> MeasureUnreadyAsync(string pod, string ip, CancellationToken ct)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_berth.Kubeconfig));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var start = Stopwatch.GetTimestamp();
        var unready = Task.Run(async () =>
        {
            while (true)
            {
                var p = await client.CoreV1.ReadNamespacedPodAsync(pod, "two-tier", cancellationToken: cts.Token);
                if (p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "False") == true)
                {
                    return Stopwatch.GetElapsedTime(start);
                }

                await Task.Delay(10, cts.Token);
            }
        }, cts.Token);
        var removed = Task.Run(async () =>
        {
            while ((await NftAsync(Bridge)).Contains($"__{ip}/8080", StringComparison.Ordinal))
            {
                await Task.Delay(10, cts.Token);
            }

            return Stopwatch.GetElapsedTime(start);
        }, cts.Token);
        await _kubectl.OkAsync($"-n two-tier exec {pod} -- sh -c 'rm /srv/back/ready'");
        return (await unready, await removed);
    }

    private async Task<string[]> EndpointIpsAsync(string service) =>
        (await _kubectl.RunAsync($"-n two-tier get endpoints {service} -o jsonpath={{.subsets[*].addresses[*].ip}}")).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string BackPod(string answer) =>
        Regex.Match(answer, @"back: pod=(\S+)") is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException("no back in the front's answer:\n" + answer);

    private static async Task<string> NftAsync(string table) => await HostAsync("nft", $"list table ip {table}");

    private static async Task<string> HostAsync(string file, string args)
    {
        var r = await HostRunAsync(file, args);
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{file} {args} failed ({r.ExitCode}): {r.Output}");
        }

        return r.Output;
    }

    private static async Task<(int ExitCode, string Output)> HostRunAsync(string file, string args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>examples/two-tier built as its ./build script does (the context copied with the host's static busybox).</summary>
    private static async Task BuildTwoTierAsync(string dataDir)
    {
        var context = Directory.CreateTempSubdirectory("bt-tierctx-").FullName;
        try
        {
            var example = Path.Combine(TestPaths.RepoRoot, "examples", "two-tier");
            foreach (var f in Directory.EnumerateFiles(example, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(context, Path.GetRelativePath(example, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to, overwrite: true);
            }

            File.Copy("/bin/busybox", Path.Combine(context, "busybox"), overwrite: true);
            var r = await HostRunAsync(TestPaths.Berth, $"image build -t {Image} {context} --data-dir {dataDir}");
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException($"berth image build failed: {r.Output} (apt-get install busybox-static?)");
            }
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {timeout}");
            }

            await Task.Delay(100);
        }
    }
}
