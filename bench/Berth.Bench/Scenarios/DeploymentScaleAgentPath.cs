using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Berth.Testing;
using k8s;
using k8s.Models;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run deployment-scale --agent [--replicas 100] [--runs 1]</c>: the same scale 0 → N as
/// <see cref="DeploymentScaleScenario"/>, but through a real <c>berth up</c> (its own bridge bt-bench-dep, pods in
/// 10.254.42.0/24) whose agent runs every pod as a container (examples/busybox's httpd, no probes, so Ready means
/// the container started). A pod watch (KubernetesClient) timestamps each pod's first sight (created by the
/// ReplicaSet controller), its spec.nodeName (bound by the scheduler), Running and Ready; the Deployment's
/// availableReplicas closes the run. Controllers' share = scale → last pod bound (+ status catch-up after the last
/// Ready); the agent's share = last bound → last Ready.
/// </summary>
internal static class DeploymentScaleAgentPath
{
    private const string Image = "busybox-httpd:bench-deploy";

    private sealed record Row(double Created, double Bound, double Running, double Ready, double Available)
    {
        public double AgentShare => Math.Max(0, Ready - Bound);

        public double ControllerShare => Available - AgentShare;
    }

    private sealed class Times
    {
        public double? Created;
        public double? Bound;
        public double? Running;
        public double? Ready;
    }

    public static async Task<int> RunAsync(int replicas, int runs, CancellationToken ct)
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-deploybench-").FullName;
        try
        {
            Console.WriteLine($"== building {Image} into {dataDir}");
            await PodStartupScenario.BuildBusyboxAsync(dataDir, Image);
            await using var berth = await BerthProcess.StartAsync("--pod-cidr 10.254.42.0/24 --bridge bt-bench-dep", dataDir: dataDir);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(berth.Kubeconfig));
            var rows = new List<Row>();
            for (var run = 0; run < runs; run++)
            {
                Console.WriteLine($"== run {run + 1}: scale 0 → {replicas}");
                rows.Add(await OneRunAsync(client, $"scale-{run}", replicas, ct));
            }

            Print(rows, replicas);
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<Row> OneRunAsync(Kubernetes client, string name, int replicas, CancellationToken ct)
    {
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(name), "default", cancellationToken: ct);
        await Until(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync(name, "default", cancellationToken: ct)).Status?.ObservedGeneration >= 1, TimeSpan.FromSeconds(30));

        var times = new ConcurrentDictionary<string, Times>(StringComparer.Ordinal);
        var clock = new Stopwatch();
        var list = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=" + name, cancellationToken: ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", labelSelector: "app=" + name,
                    resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
                {
                    if (type == WatchEventType.Deleted)
                    {
                        continue;
                    }

                    var now = clock.Elapsed.TotalSeconds;
                    var t = times.GetOrAdd(pod.Metadata.Name, _ => new Times());
                    t.Created ??= now;
                    if (!string.IsNullOrEmpty(pod.Spec.NodeName))
                    {
                        t.Bound ??= now;
                    }

                    if (pod.Status?.Phase == "Running")
                    {
                        t.Running ??= now;
                    }

                    if (pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                    {
                        t.Ready ??= now;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        clock.Start();
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}", V1Patch.PatchType.MergePatch), name, "default", cancellationToken: ct);
        await Until(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, "default", cancellationToken: ct);
            return d.Status?.AvailableReplicas == replicas && d.Status.ObservedGeneration >= d.Metadata.Generation;
        }, TimeSpan.FromMinutes(5), poll: TimeSpan.FromMilliseconds(50));
        var available = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await watch;

        var all = times.Values.Where(t => t.Ready is not null).ToList();
        if (all.Count < replicas)
        {
            throw new InvalidOperationException($"deployment-scale --agent: the watch saw {all.Count} Ready pods of {replicas}");
        }

        var row = new Row(all.Max(t => t.Created!.Value), all.Max(t => t.Bound ?? double.NaN), all.Max(t => t.Running ?? double.NaN), all.Max(t => t.Ready!.Value), available);

        Console.WriteLine($"   scale back to 0 and delete");
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), name, "default", cancellationToken: ct);
        await Until(async () => (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=" + name, cancellationToken: ct)).Items.Count == 0, TimeSpan.FromMinutes(5));
        await client.AppsV1.DeleteNamespacedDeploymentAsync(name, "default", cancellationToken: ct);
        return row;
    }

    private static void Print(List<Row> rows, int replicas)
    {
        var load = File.ReadAllText("/proc/loadavg").Split(' ');
        Console.WriteLine($"deployment-scale --agent: Deployment 0 → {replicas} on one node, real agent (busybox httpd containers), {Environment.ProcessorCount} cores, load {load[0]} {load[1]} {load[2]}");
        Console.WriteLine($"{"run",4} {"last created s",15} {"last bound s",13} {"last running s",15} {"all ready s",12} {"available s",12} {"agent s",8} {"controllers s",14}");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Console.WriteLine($"{i + 1,4} {r.Created,15:F3} {r.Bound,13:F3} {r.Running,15:F3} {r.Ready,12:F3} {r.Available,12:F3} {r.AgentShare,8:F3} {r.ControllerShare,14:F3}");
        }

        static double Median(IEnumerable<double> xs)
        {
            var s = xs.Order().ToList();
            return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
        }

        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["scenario"] = "deployment-scale",
            ["replicas"] = replicas,
            ["runs"] = rows.Count,
            ["kubelet"] = "berth agent (real containers)",
            ["load1"] = load[0],
            ["allReadySeconds"] = Math.Round(Median(rows.Select(r => r.Ready)), 3),
            ["availableSeconds"] = Math.Round(Median(rows.Select(r => r.Available)), 3),
            ["lastCreatedSeconds"] = Math.Round(Median(rows.Select(r => r.Created)), 3),
            ["lastBoundSeconds"] = Math.Round(Median(rows.Select(r => r.Bound)), 3),
            ["lastRunningSeconds"] = Math.Round(Median(rows.Select(r => r.Running)), 3),
            ["agentSeconds"] = Math.Round(Median(rows.Select(r => r.AgentShare)), 3),
            ["controllerSeconds"] = Math.Round(Median(rows.Select(r => r.ControllerShare)), 3),
        }));
    }

    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 0,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    TerminationGracePeriodSeconds = 1,
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "app",
                            Image = Image,
                            Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") } },
                        },
                    ],
                },
            },
        },
    };

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"deployment-scale --agent: timed out after {timeout}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }
}
