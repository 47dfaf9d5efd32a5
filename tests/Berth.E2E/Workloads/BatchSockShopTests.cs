using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E.Workloads;

/// <summary>
/// Issue 4 with kubectl against `berth up`: a DaemonSet on every node, an Indexed Job of 5 completions at parallelism
/// 2 whose pods see JOB_COMPLETION_INDEX, a failing Job stopped by its backoffLimit, and the Sock Shop's 14
/// Deployments turned into 14 ReplicaSets and 14 scheduled pods whose images cannot be pulled here.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class BatchSockShopTests(BatchFixture fx) : IClassFixture<BatchFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task DaemonSetRunsOnEveryNode()
    {
        const string ns = "bt-ds";
        await fx.NamespaceAsync(ns);
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: agent
                    image: {{{WorkloadFixture.Image}}}
                    command: [httpd, -f, -p, "80", -h, /var/www]
            """);
        var rollout = await fx.Kubectl.RunAsync($"rollout status -n {ns} daemonset/agent --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        Assert.True(rollout.ExitCode == 0, rollout.Stdout + rollout.Stderr + fx.Berth.Tail(30));

        var nodes = (await fx.JsonAsync("get nodes"))["items"]!.AsArray().Select(n => n!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        var pods = (await fx.JsonAsync($"get pods -n {ns} -l app=agent"))["items"]!.AsArray();
        Assert.Equal(nodes, pods.Select(p => p!["spec"]!["nodeName"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(pods, p => Assert.Equal("Running", p!["status"]!["phase"]!.GetValue<string>()));
        var ds = await fx.JsonAsync($"get daemonset -n {ns} agent");
        Assert.Equal(nodes.Count, ds["status"]!["desiredNumberScheduled"]!.GetValue<int>());
        Assert.Equal(nodes.Count, ds["status"]!["numberReady"]!.GetValue<int>());

        await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=60s");
    }

    [Fact]
    public async Task IndexedJobCompletesWithItsIndicesAndAFailingJobStopsAtItsBackoffLimit()
    {
        const string ns = "bt-jobs";
        await fx.NamespaceAsync(ns);
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: work}
            spec:
              completions: 5
              parallelism: 2
              completionMode: Indexed
              template:
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: work
                    image: {{{WorkloadFixture.Image}}}
                    command: [sh, -c, 'echo "index=$JOB_COMPLETION_INDEX"']
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: broken}
            spec:
              backoffLimit: 1
              template:
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: broken
                    image: {{{WorkloadFixture.Image}}}
                    command: [sh, -c, 'exit 3']
            """);

        var done = await fx.Kubectl.RunAsync($"wait -n {ns} --for=condition=Complete job/work --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        Assert.True(done.ExitCode == 0, done.Stdout + done.Stderr + await fx.Kubectl.OkAsync($"get pods,jobs -n {ns}") + fx.Berth.Tail(30));
        var work = await fx.JsonAsync($"get job -n {ns} work");
        Assert.Equal(5, work["status"]!["succeeded"]!.GetValue<int>());
        Assert.Equal("0-4", work["status"]!["completedIndexes"]!.GetValue<string>());

        // Every index ran, and its pod saw it in JOB_COMPLETION_INDEX (the downward API over the pod's annotation).
        var pods = (await fx.JsonAsync($"get pods -n {ns} -l batch.kubernetes.io/job-name=work"))["items"]!.AsArray();
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in pods.Where(p => p!["status"]!["phase"]!.GetValue<string>() == "Succeeded"))
        {
            var name = p!["metadata"]!["name"]!.GetValue<string>();
            var index = p["metadata"]!["annotations"]!["batch.kubernetes.io/job-completion-index"]!.GetValue<string>();
            Assert.Equal($"index={index}\n", await fx.Kubectl.OkAsync($"logs -n {ns} {name}"));
            seen.Add(index);
        }

        Assert.Equal(["0", "1", "2", "3", "4"], seen);

        var failed = await fx.Kubectl.RunAsync($"wait -n {ns} --for=condition=Failed job/broken --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        Assert.True(failed.ExitCode == 0, failed.Stdout + failed.Stderr + await fx.Kubectl.OkAsync($"get pods,jobs -n {ns}") + fx.Berth.Tail(30));
        var broken = await fx.JsonAsync($"get job -n {ns} broken");
        var condition = broken["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Failed");
        Assert.Equal("BackoffLimitExceeded", condition!["reason"]!.GetValue<string>());
        Assert.Equal(2, broken["status"]!["failed"]!.GetValue<int>());
        Assert.Equal(2, (await fx.JsonAsync($"get pods -n {ns} -l batch.kubernetes.io/job-name=broken"))["items"]!.AsArray().Count);

        await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=60s");
    }

    [Fact]
    public async Task SockShopPodsAreScheduledAndReportTheImagePullFailure()
    {
        var manifest = Path.Combine(TestPaths.Fixtures, "sock-shop", "complete-demo.yaml");
        await fx.Kubectl.OkAsync($"apply -f {manifest}");
        await fx.Kubectl.OkAsync("label namespace sock-shop berth.dev/e2e=workloads");
        const string ns = "sock-shop";

        await fx.UntilAsync("14 ReplicaSets and 14 scheduled pods that cannot pull their images", async () =>
        {
            var rs = (await fx.JsonAsync($"get rs -n {ns}"))["items"]!.AsArray();
            var pods = (await fx.JsonAsync($"get pods -n {ns}"))["items"]!.AsArray();
            return rs.Count == 14 && pods.Count == 14 && pods.All(p => p!["spec"]!["nodeName"] is not null && PullFailure(p) is not null);
        }, Long, () => fx.Kubectl.OkAsync($"get pods -n {ns} -o wide"));

        var pods = (await fx.JsonAsync($"get pods -n {ns}"))["items"]!.AsArray();
        var deployments = (await fx.JsonAsync($"get deploy -n {ns}"))["items"]!.AsArray();
        Assert.Equal(14, deployments.Count);
        Assert.All(pods, p =>
        {
            var (reason, message) = PullFailure(p)!.Value;
            Assert.Contains(reason, new[] { "ErrImagePull", "ImagePullBackOff" });
            Assert.False(string.IsNullOrEmpty(message), $"{p!["metadata"]!["name"]}: {reason} without a message");
        });

        // Every Deployment owns one ReplicaSet, which owns one pod.
        var rsOwners = (await fx.JsonAsync($"get rs -n {ns}"))["items"]!.AsArray().Select(r => r!["metadata"]!["ownerReferences"]![0]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(deployments.Select(d => d!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal), rsOwners);

        await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=90s");
    }

    /// <summary>The waiting reason and message of the pod's first container when it is an image pull failure.</summary>
    private static (string Reason, string Message)? PullFailure(JsonNode? pod)
    {
        var waiting = pod?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"];
        var reason = waiting?["reason"]?.GetValue<string>();
        return reason is "ErrImagePull" or "ImagePullBackOff" ? (reason, waiting?["message"]?.GetValue<string>() ?? "") : null;
    }
}
