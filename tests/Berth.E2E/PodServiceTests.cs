using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Issue 5's node side on one `berth up`: the Endpoints/EndpointSlice controller follows ready pods, the agent's
/// service proxy (nftables) and cluster DNS follow the slices. A client pod reaches a two-pod back end by its
/// Service name; requests reach both; an unready back pod stops getting traffic; a NodePort answers on 127.0.0.1;
/// `default/kubernetes` points at the API server; deleting the Service removes its endpoints and name.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class PodServiceTests : IAsyncLifetime
{
    private const string Args = "--pod-cidr 10.251.3.0/24 --bridge bt-e2esvc";
    private BerthProcess _berth = null!;
    private Kubectl _kubectl = null!;
    private string _cache = "";

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-svc-").FullName;
        await PodLifecycleTests.Fixture.BuildBusyboxAsync(dataDir, PodLifecycleTests.Fixture.Image);
        _berth = await BerthProcess.StartAsync(Args, dataDir: dataDir);
        _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        _kubectl = new Kubectl(_berth.Kubeconfig, _cache);
    }

    public async ValueTask DisposeAsync()
    {
        await _kubectl.RunAsync("delete pods,services --all --grace-period=1 --timeout=60s", timeout: TimeSpan.FromSeconds(90));
        await _berth.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task ClientReachesBackThroughDnsClusterIpAndNodePort()
    {
        var yaml = string.Join("---\n", new[] { "back-1", "back-2" }.Select(name => $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
              labels: {app: back}
            spec:
              nodeName: {{_berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: {{PodLifecycleTests.Fixture.Image}}
                command: [sh, -c, "mkdir -p /w && echo {{name}} > /w/index.html && exec httpd -f -p 8080 -h /w"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /, port: http}
                  periodSeconds: 1
                  failureThreshold: 1

            """)) + $$"""
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: back}
            spec:
              type: NodePort
              selector: {app: back}
              ports: [{name: web, port: 80, targetPort: http}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: client}
            spec:
              nodeName: {{_berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: {{PodLifecycleTests.Fixture.Image}}, command: [sleep, "3600"]}
            """;
        await _kubectl.OkAsync("apply -f -", yaml);
        await _kubectl.OkAsync("wait --for=condition=Ready pod --all --timeout=60s");
        await WaitForAsync(async () => (await _kubectl.OkAsync("get endpoints back -o jsonpath={.subsets[*].addresses[*].ip}")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 2, TimeSpan.FromSeconds(20));
        Assert.Matches(@"back-\w+\s+IPv4\s+8080\s+10\.251\.3\.\d+,10\.251\.3\.\d+", await _kubectl.OkAsync("get endpointslices"));

        // In sh -c: the Kubectl helper appends --cache-dir to the arguments. No -T: busybox wget -T segfaults in Debian's busybox-static.
        var seen = new HashSet<string>();
        for (var i = 0; i < 20 && seen.Count < 2; i++)
        {
            seen.Add((await _kubectl.OkAsync("exec client -- sh -c 'wget -qO- http://back'")).Trim());
        }

        Assert.Equal(["back-1", "back-2"], seen.Order());
        Assert.Contains("back-", await _kubectl.OkAsync("exec client -- sh -c 'wget -qO- http://back.default.svc.cluster.local'"));
        var nodePort = (await _kubectl.OkAsync("get svc back -o jsonpath={.spec.ports[0].nodePort}")).Trim();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.StartsWith("back-", await http.GetStringAsync($"http://127.0.0.1:{nodePort}/", TestContext.Current.CancellationToken));

        // back-1 turns unready: within a couple of seconds (1 s probe period, threshold 1) it gets no more traffic.
        await _kubectl.OkAsync("exec back-1 -- sh -c 'rm /w/index.html'");
        var sw = Stopwatch.StartNew();
        await WaitForAsync(async () => (await _kubectl.OkAsync("get endpoints back -o jsonpath={.subsets[*].addresses[*].ip}")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 1, TimeSpan.FromSeconds(15));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("back-2", (await _kubectl.OkAsync("exec client -- sh -c 'wget -qO- http://back'")).Trim());
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15));

        // default/kubernetes points at the API server on the bridge gateway.
        Assert.Equal($"10.251.3.1:{_berth.Port}", (await _kubectl.OkAsync("get endpoints kubernetes -o jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}")).Trim());
        Assert.Equal("10.96.0.1", (await _kubectl.OkAsync("get svc kubernetes -o jsonpath={.spec.clusterIP}")).Trim());

        await _kubectl.OkAsync("delete service back");
        await WaitForAsync(async () => !(await _kubectl.OkAsync("get endpoints,endpointslices")).Contains("back"), TimeSpan.FromSeconds(15));
        await WaitForAsync(async () => (await _kubectl.RunAsync("exec client -- sh -c 'nslookup back.default.svc.cluster.local'")).ExitCode != 0, TimeSpan.FromSeconds(10));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(250);
        }
    }
}
