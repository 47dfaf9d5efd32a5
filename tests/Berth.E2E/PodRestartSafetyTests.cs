using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Restart safety of the node agent: kill -9 of `berth up` (and SIGTERM) leaves the pod's container running under
/// its conmon; the next start adopts it without a restart (same container id, same restartCount) and its log goes on.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class PodRestartSafetyTests : IAsyncLifetime
{
    private const string Args = "--pod-cidr 10.251.2.0/24 --bridge bt-e2epod2";
    private BerthProcess _berth = null!;
    private Kubectl _kubectl = null!;
    private string _cache = "";

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-restart-").FullName;
        await PodLifecycleTests.Fixture.BuildBusyboxAsync(dataDir, PodLifecycleTests.Fixture.Image);
        _berth = await BerthProcess.StartAsync(Args, dataDir: dataDir);
        _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        _kubectl = new Kubectl(_berth.Kubeconfig, _cache);
    }

    public async ValueTask DisposeAsync()
    {
        await _berth.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task ContainersSurviveKillNineAndSigtermAndAreAdopted()
    {
        var ct = TestContext.Current.CancellationToken;
        await _kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: survivor}
            spec:
              nodeName: {{_berth.NodeName}}
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: {{PodLifecycleTests.Fixture.Image}}
                command: [httpd, -f, -vv, -p, "80", -h, /var/www]
                readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
            """);
        await _kubectl.OkAsync("wait --for=condition=Ready pod/survivor --timeout=60s");

        // Make a restart first, so that restartCount is not trivially 0.
        var before = await StateAsync();
        Process.GetProcessById(Pid(before.ContainerId)).Kill();
        await WaitForAsync(async () => (await StateAsync()).RestartCount == 1 && (await StateAsync()).Ready, TimeSpan.FromSeconds(40));
        before = await StateAsync();
        var pid = Pid(before.ContainerId);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        foreach (var crash in new[] { true, false })
        {
            if (crash)
            {
                await _berth.KillAsync();
            }
            else
            {
                Assert.Equal(0, await _berth.StopAsync());
            }

            Assert.True(Directory.Exists($"/proc/{pid}"), "the container died with berth");
            Assert.Contains("It works", await http.GetStringAsync($"http://{before.PodIP}/", ct));
            using (await http.GetAsync($"http://{before.PodIP}/while-berth-is-down-{crash}", ct))
            {
            }

            await _berth.RestartAsync(Args);
            var after = await StateAsync();
            Assert.Equal(before.ContainerId, after.ContainerId);
            Assert.Equal(before.RestartCount, after.RestartCount);
            Assert.Equal(pid, Pid(after.ContainerId));

            // Still watched after adoption: the log goes on and shows the request made while berth was down.
            await WaitForAsync(async () => (await _kubectl.OkAsync("logs survivor")).Contains($"while-berth-is-down-{crash}", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            await WaitForAsync(async () => (await StateAsync()).Ready, TimeSpan.FromSeconds(20));
        }

        // An exit after adoption is still noticed and restarts the container.
        Process.GetProcessById(pid).Kill();
        await WaitForAsync(async () => (await StateAsync()).RestartCount == before.RestartCount + 1, TimeSpan.FromSeconds(40));
    }

    private async Task<(string ContainerId, int RestartCount, bool Ready, string PodIP)> StateAsync()
    {
        var pod = JsonNode.Parse(await _kubectl.OkAsync("get pod survivor -o json"))!;
        var cs = pod["status"]!["containerStatuses"]![0]!;
        return ((cs["containerID"]?.GetValue<string>() ?? "").Split("://").Last(), cs["restartCount"]!.GetValue<int>(), cs["ready"]!.GetValue<bool>(), pod["status"]!["podIP"]!.GetValue<string>());
    }

    private int Pid(string containerId) => int.Parse(File.ReadAllText(Path.Combine(_berth.DataDir, "containers", containerId, "pidfile")).Trim());

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
