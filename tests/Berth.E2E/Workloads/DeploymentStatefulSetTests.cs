using System.Text.Json.Nodes;
using Xunit;

namespace Berth.E2E.Workloads;

/// <summary>
/// Issue 4 with kubectl against `berth up` and its real agent: a Deployment rolls out, rolls forward with
/// `kubectl set image` without dropping below replicas − maxUnavailable serving pods, rolls back, heals and scales;
/// a StatefulSet comes up in order with stable names and per-pod volumes (Berth's local provisioner, mounted by the
/// agent) that keep their data across a pod's deletion, and scales down in reverse order.
/// </summary>
[Trait("Tier", "E2E")]
public sealed class DeploymentStatefulSetTests(DeploymentFixture fx) : IClassFixture<DeploymentFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task DeploymentRollsOutRollsBackHealsAndScales()
    {
        const string ns = "bt-deploy";
        await fx.NamespaceAsync(ns);
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web}}
              strategy:
                type: RollingUpdate
                rollingUpdate: {maxUnavailable: 1, maxSurge: 1}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: {{{WorkloadFixture.Image}}}
                    command: [httpd, -f, -p, "80", -h, /var/www]
                    readinessProbe:
                      httpGet: {path: /, port: 80}
                      periodSeconds: 1
            """);
        await RolloutAsync(ns, "deployment/web");
        Assert.Equal(3, await ServingAsync(ns, "app=web"));

        // set image: watched pod by pod, never fewer than replicas - maxUnavailable = 2 serving.
        using var client = fx.Client();
        await using (var watch = await PodWatch.StartAsync(client, ns, "app=web"))
        {
            Assert.Contains("image updated", await fx.Kubectl.OkAsync($"set image -n {ns} deployment/web web={WorkloadFixture.Image2}"));
            await RolloutAsync(ns, "deployment/web");
            await fx.UntilAsync("3 serving pods after the roll", async () => await ServingAsync(ns, "app=web") == 3, Long);
            Assert.True(watch.Intact, string.Join('\n', watch.Log));
            Assert.True(watch.MinServing >= 2, $"serving pods fell to {watch.MinServing} during the roll:\n{string.Join('\n', watch.Log)}");
            Assert.Contains(watch.Log, l => l.StartsWith("deleted ", StringComparison.Ordinal));
        }

        Assert.Equal([WorkloadFixture.Image2], await ImagesAsync(ns, "app=web"));
        var history = await fx.Kubectl.OkAsync($"rollout history -n {ns} deployment/web");
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s", history);

        Assert.Contains("rolled back", await fx.Kubectl.OkAsync($"rollout undo -n {ns} deployment/web"));
        await RolloutAsync(ns, "deployment/web");
        await fx.UntilAsync("the old image back on every pod", async () => (await ImagesAsync(ns, "app=web")).SequenceEqual([WorkloadFixture.Image]), Long);
        Assert.Equal(WorkloadFixture.Image, await fx.Kubectl.OkAsync($"get -n {ns} deployment web -o jsonpath={{.spec.template.spec.containers[0].image}}"));

        // A deleted pod is replaced.
        var before = await PodNamesAsync(ns, "app=web");
        var victim = before[0];
        await fx.Kubectl.OkAsync($"delete pod -n {ns} {victim} --wait=false");
        await fx.UntilAsync("a replacement for the deleted pod", async () =>
        {
            var now = await PodNamesAsync(ns, "app=web");
            return !now.Contains(victim) && now.Count == 3 && await ServingAsync(ns, "app=web") == 3;
        }, Long, () => fx.Kubectl.OkAsync($"get pods -n {ns} -o wide"));

        Assert.Contains("scaled", await fx.Kubectl.OkAsync($"scale -n {ns} deployment/web --replicas=5"));
        await RolloutAsync(ns, "deployment/web");
        Assert.Equal(5, await ServingAsync(ns, "app=web"));
        await fx.Kubectl.OkAsync($"scale -n {ns} deployment/web --replicas=1");
        await fx.UntilAsync("one pod left", async () => (await PodNamesAsync(ns, "app=web")).Count == 1, Long, () => fx.Kubectl.OkAsync($"get pods -n {ns}"));
        Assert.Equal("1", await fx.Kubectl.OkAsync($"get -n {ns} deployment web -o jsonpath={{.status.readyReplicas}}"));

        await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=60s");
    }

    [Fact]
    public async Task StatefulSetIsOrderedStableAndKeepsItsVolumes()
    {
        const string ns = "bt-sts";
        await fx.NamespaceAsync(ns);
        using var client = fx.Client();
        await using var watch = await PodWatch.StartAsync(client, ns, "app=db");
        await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec:
              clusterIP: None
              selector: {app: db}
              ports: [{port: 80}]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              replicas: 3
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: db
                    image: {{{WorkloadFixture.Image}}}
                    command: [httpd, -f, -p, "80", -h, /data]
                    volumeMounts: [{name: data, mountPath: /data}]
                    readinessProbe:
                      tcpSocket: {port: 80}
                      periodSeconds: 1
              volumeClaimTemplates:
              - metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 16Mi}}
            """);
        await RolloutAsync(ns, "statefulset/db");
        Assert.Equal(["db-0", "db-1", "db-2"], await PodNamesAsync(ns, "app=db"));

        // OrderedReady: db-N is created only once db-(N-1) is Ready.
        var log = watch.Log.ToList();
        Assert.True(watch.Intact, string.Join('\n', log));
        Assert.Equal(["added db-0", "added db-1", "added db-2"], log.Where(l => l.StartsWith("added ", StringComparison.Ordinal)));
        Assert.True(log.IndexOf("ready db-0") < log.IndexOf("added db-1"), string.Join('\n', log));
        Assert.True(log.IndexOf("ready db-1") < log.IndexOf("added db-2"), string.Join('\n', log));

        // Every pod has its own claim, bound to a local volume on this node.
        var claims = await fx.JsonAsync($"get pvc -n {ns}");
        var bound = claims["items"]!.AsArray().Select(c => (Name: c!["metadata"]!["name"]!.GetValue<string>(), Phase: c["status"]?["phase"]?.GetValue<string>())).OrderBy(c => c.Name).ToList();
        Assert.Equal([("data-db-0", "Bound"), ("data-db-1", "Bound"), ("data-db-2", "Bound")], bound);

        // Data survives the pod: written through exec, the pod deleted, read back from its successor.
        await fx.Kubectl.OkAsync($"exec -n {ns} db-1 -- sh -c 'echo kept-by-$(hostname) > /data/f'");
        var oldUid = (await fx.Kubectl.OkAsync($"get pod -n {ns} db-1 -o jsonpath={{.metadata.uid}}")).Trim();
        await fx.Kubectl.OkAsync($"delete pod -n {ns} db-1 --timeout=60s");
        await fx.UntilAsync("db-1 back and Ready", async () =>
        {
            var pod = await fx.Kubectl.RunAsync($"get pod -n {ns} db-1 -o json");
            if (pod.ExitCode != 0)
            {
                return false;
            }

            var o = JsonNode.Parse(pod.Stdout)!;
            return o["metadata"]!["uid"]!.GetValue<string>() != oldUid
                && o["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true;
        }, Long, () => fx.Kubectl.OkAsync($"describe pod -n {ns} db-1"));
        Assert.Equal("kept-by-db-1\n", await fx.Kubectl.OkAsync($"exec -n {ns} db-1 -- cat /data/f"));
        Assert.Equal("1", (await fx.Kubectl.RunAsync($"exec -n {ns} db-0 -- sh -c 'test -e /data/f; echo $?'")).Stdout.Trim());

        // Scale down: db-2 goes before db-1, and db-0 stays.
        var mark = watch.Log.Count;
        await fx.Kubectl.OkAsync($"scale -n {ns} statefulset/db --replicas=1");
        await fx.UntilAsync("db-1 and db-2 gone", async () => (await PodNamesAsync(ns, "app=db")).SequenceEqual(["db-0"]), Long, () => fx.Kubectl.OkAsync($"get pods -n {ns}"));
        await fx.UntilAsync("the watch to see both deletions", () => Task.FromResult(watch.Log.Skip(mark).Count(l => l.StartsWith("deleted ", StringComparison.Ordinal)) == 2), TimeSpan.FromSeconds(10));
        Assert.Equal(["deleted db-2", "deleted db-1"], watch.Log.Skip(mark).Where(l => l.StartsWith("deleted ", StringComparison.Ordinal)));

        await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=60s");
    }

    [Fact]
    public async Task ClaimVolumesWaitForTheirBindingAreReadOnlyWhenAskedAndStayOnTheirNode()
    {
        const string ns = "bt-claims";
        await fx.NamespaceAsync(ns);
        var hostDir = Directory.CreateTempSubdirectory("bt-hostpv-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(hostDir, "hello"), "from the host\n", TestContext.Current.CancellationToken);
            var node = fx.Berth.NodeName;
            await fx.Kubectl.OkAsync($"apply -n {ns} -f -", $$$"""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: manual}
                spec:
                  storageClassName: manual
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Mi}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: far}
                spec:
                  storageClassName: manual
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Mi}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: waiter}
                spec:
                  nodeName: {{{node}}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: {{{WorkloadFixture.Image}}}
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes:
                  - name: data
                    persistentVolumeClaim: {claimName: manual, readOnly: true}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: far}
                spec:
                  nodeName: {{{node}}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: {{{WorkloadFixture.Image}}}
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes:
                  - name: data
                    persistentVolumeClaim: {claimName: far}
                """);

            // Unbound: the pod waits in ContainerCreating and says why.
            await UntilEventAsync(ns, "waiter", "FailedMount", "volume \"data\": persistentvolumeclaim \"manual\" is not bound yet");
            var waiting = await fx.JsonAsync($"get pod -n {ns} waiter");
            Assert.Equal("Pending", waiting["status"]!["phase"]!.GetValue<string>());
            Assert.Equal("ContainerCreating", waiting["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());

            // Bound by hand (a pre-bound hostPath volume; Berth's binder serves only its local class): the pod starts.
            await fx.Kubectl.OkAsync("apply -f -", $$$"""
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: bt-claims-host}
                spec:
                  storageClassName: manual
                  capacity: {storage: 1Mi}
                  accessModes: [ReadWriteOnce]
                  hostPath: {path: {{{hostDir}}}, type: Directory}
                  claimRef: {namespace: {{{ns}}}, name: manual}
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: bt-claims-far}
                spec:
                  storageClassName: manual
                  capacity: {storage: 1Mi}
                  accessModes: [ReadWriteOnce]
                  local: {path: /nonexistent/bt-far}
                  claimRef: {namespace: {{{ns}}}, name: far}
                  nodeAffinity:
                    required:
                      nodeSelectorTerms:
                      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [bt-elsewhere]}]
                """);
            foreach (var (claim, volume) in new[] { ("manual", "bt-claims-host"), ("far", "bt-claims-far") })
            {
                await fx.Kubectl.OkAsync($"patch pvc -n {ns} {claim} --type=merge -p '{{\"spec\":{{\"volumeName\":\"{volume}\"}}}}'");
                await fx.Kubectl.OkAsync($"patch pvc -n {ns} {claim} --subresource=status --type=merge -p '{{\"status\":{{\"phase\":\"Bound\"}}}}'");
            }

            var ready = await fx.Kubectl.RunAsync($"wait -n {ns} --for=condition=Ready pod/waiter --timeout=60s", timeout: TimeSpan.FromSeconds(70));
            Assert.True(ready.ExitCode == 0, ready.Stdout + ready.Stderr + await fx.Kubectl.OkAsync($"describe pod -n {ns} waiter"));
            Assert.Equal("from the host\n", await fx.Kubectl.OkAsync($"exec -n {ns} waiter -- cat /data/hello"));
            var write = await fx.Kubectl.RunAsync($"exec -n {ns} waiter -- sh -c 'echo x > /data/new'");
            Assert.NotEqual(0, write.ExitCode);
            Assert.Contains("Read-only file system", write.Stdout + write.Stderr);
            Assert.False(File.Exists(Path.Combine(hostDir, "new")));

            // Another node's local volume is refused, with the reason.
            await UntilEventAsync(ns, "far", "FailedMount", "is a local volume of another node: its node affinity does not admit node");
            Assert.Equal("Pending", (await fx.JsonAsync($"get pod -n {ns} far"))["status"]!["phase"]!.GetValue<string>());

            await fx.Kubectl.OkAsync($"delete namespace {ns} --timeout=60s");
        }
        finally
        {
            await fx.Kubectl.RunAsync("delete pv bt-claims-host bt-claims-far --ignore-not-found --wait=false");
            Directory.Delete(hostDir, recursive: true);
        }
    }

    private Task UntilEventAsync(string ns, string pod, string reason, string message) =>
        fx.UntilAsync($"event {reason} on {pod} saying \"{message}\"", async () =>
        {
            var events = await fx.JsonAsync($"get events -n {ns} --field-selector involvedObject.name={pod}");
            return events["items"]!.AsArray().Any(e => e!["reason"]?.GetValue<string>() == reason && e["message"]!.GetValue<string>().Contains(message, StringComparison.Ordinal));
        }, Long, () => fx.Kubectl.OkAsync($"get events -n {ns}"));

    private async Task RolloutAsync(string ns, string what)
    {
        var r = await fx.Kubectl.RunAsync($"rollout status -n {ns} {what} --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        if (r.ExitCode != 0)
        {
            var pods = await fx.Kubectl.RunAsync($"get pods,rs -n {ns} -o wide");
            throw new Xunit.Sdk.XunitException($"rollout status {what} failed: {r.Stdout}{r.Stderr}\n{pods.Stdout}\n--- berth log ---\n{fx.Berth.Tail(30)}");
        }
    }

    private async Task<List<string>> PodNamesAsync(string ns, string selector)
    {
        var pods = await fx.JsonAsync($"get pods -n {ns} -l {selector}");
        return pods["items"]!.AsArray().Select(p => p!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<int> ServingAsync(string ns, string selector)
    {
        var pods = await fx.JsonAsync($"get pods -n {ns} -l {selector}");
        return pods["items"]!.AsArray().Count(p => p!["metadata"]!["deletionTimestamp"] is null
            && p["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true);
    }

    private async Task<List<string>> ImagesAsync(string ns, string selector)
    {
        var pods = await fx.JsonAsync($"get pods -n {ns} -l {selector}");
        return pods["items"]!.AsArray().Where(p => p!["metadata"]!["deletionTimestamp"] is null)
            .Select(p => p!["spec"]!["containers"]![0]!["image"]!.GetValue<string>()).Distinct().ToList();
    }
}
