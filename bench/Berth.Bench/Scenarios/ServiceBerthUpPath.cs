using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Network.Host;
using Berth.Testing;
using k8s;

namespace Berth.Bench.Scenarios;

/// <summary>
/// The <c>service</c> figures through a real <c>berth up</c> (bridge bt-benchup, pods 10.254.6.0/24): the data plane
/// and DNS are what the agent programs from the API (Service → EndpointSlice controller → agent → nftables table
/// <c>bt-benchup</c>, cluster DNS on 10.254.6.1), not the library driven directly.
/// <list type="bullet">
/// <item>Pods <c>web</c> (busybox httpd on :8081 for its readiness probe, 1 s period) and <c>client</c> (sleep), Service
/// <c>web</c> (NodePort 30981, port 80 → 8080), 20 more ClusterIP Services for DNS.</item>
/// <item>The load target on :8080 is the bench's own keep-alive server (<c>service-backend</c>) started by the host
/// inside the web pod's network namespace (busybox httpd forks per connection and would measure itself); wrk and
/// dnsperf likewise run from the host inside the client pod's namespace.</item>
/// <item>Unready → removal: the probe's file is removed with kubectl exec; the API's Ready=False and the pod address
/// leaving the nftables table are polled concurrently (10 ms), five rounds.</item>
/// </list>
/// </summary>
internal static class ServiceBerthUpPath
{
    private const string Bridge = "bt-benchup";
    private const string Gateway = "10.254.6.1";
    private const int NodePort = 30981;
    private const string Image = "busybox-httpd:bench";

    public static async Task<(List<(string Path, ServiceWrk.Result R)> Rows, Dictionary<string, object> Figures)> RunAsync(int seconds, int connections, CancellationToken ct)
    {
        var rows = new List<(string, ServiceWrk.Result)>();
        var figures = new Dictionary<string, object>();
        var dataDir = Directory.CreateTempSubdirectory("bt-bench-svcup-").FullName;
        await PodStartupScenario.BuildBusyboxAsync(dataDir, Image);
        Process? backend = null;
        await using var berth = await BerthProcess.StartAsync($"--pod-cidr 10.254.6.0/24 --bridge {Bridge}", dataDir: dataDir);
        var kubectl = new Func<string, string?, Task<string>>((args, stdin) => KubectlAsync(berth, dataDir, args, stdin, ct));
        try
        {
            var services = string.Concat(Enumerable.Range(0, 20).Select(i => $"---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}}}\nspec: {{ports: [{{port: 80}}]}}\n"));
            await kubectl("apply -f -", $$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: web, labels: {app: web} }
                spec:
                  nodeName: {{berth.NodeName}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: {{Image}}
                    command: [sh, -c, "mkdir -p /w && echo ok > /w/ready && exec httpd -f -p 8081 -h /w"]
                    ports: [{name: http, containerPort: 8080}, {name: probe, containerPort: 8081}]
                    readinessProbe:
                      httpGet: {path: /ready, port: probe}
                      periodSeconds: 1
                      failureThreshold: 1
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: client}
                spec:
                  nodeName: {{berth.NodeName}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: c, image: {{Image}}, command: [sleep, "3600"]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  type: NodePort
                  selector: {app: web}
                  ports: [{port: 80, targetPort: http, nodePort: {{NodePort}} }]
                {{services}}
                """);
            await kubectl("wait --for=condition=Ready pod --all --timeout=60s", null);
            var webIp = (await kubectl("get pod web -o jsonpath={.status.podIP}", null)).Trim();
            var clusterIp = (await kubectl("get svc web -o jsonpath={.spec.clusterIP}", null)).Trim();
            var webNs = Netns(await kubectl("get pod web -o jsonpath={.metadata.uid}", null));
            var clientNs = Netns(await kubectl("get pod client -o jsonpath={.metadata.uid}", null));
            backend = StartIn(webNs, Environment.ProcessPath!, "service-backend", "8080");
            await WaitAsync(() => ConnectsAsync(webIp, 8080), TimeSpan.FromSeconds(20), "service-backend listening in the web pod");
            await WaitAsync(async () => (await Nft()).Contains($"__{webIp}/8080", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "web endpoint in the rules");

            (string Name, string? Netns, string Url)[] paths =
            [
                ("up: host -> pod (direct)", null, $"http://{webIp}:8080/"),
                ("up: host -> NodePort 127.0.0.1 (nft)", null, $"http://127.0.0.1:{NodePort}/"),
                ("up: pod -> pod (direct)", clientNs, $"http://{webIp}:8080/"),
                ("up: pod -> ClusterIP (nft)", clientNs, $"http://{clusterIp}/"),
            ];
            foreach (var (name, ns, url) in paths)
            {
                rows.Add((name, await ServiceWrk.RunAsync(ns, url, seconds, connections, ct)));
            }

            // Cluster DNS as the agent runs it, asked from inside the client pod.
            var queries = Path.Combine(dataDir, "queries.txt");
            await File.WriteAllLinesAsync(queries, Enumerable.Range(0, 20).Select(i => $"svc{i}.default.svc.cluster.local A").Append("web.default.svc.cluster.local A"), ct);
            var perf = await HostCommand.RunAsync("ip", ["netns", "exec", clientNs, "dnsperf", "-s", Gateway, "-d", queries, "-l", seconds.ToString(CultureInfo.InvariantCulture), "-c", "8", "-T", "2", "-q", "200"], cancellationToken: ct);
            if (!perf.Succeeded)
            {
                throw new InvalidOperationException($"dnsperf failed: {perf.StandardOutput}{perf.StandardError}");
            }

            figures["upDnsQps"] = Math.Round(Field(perf.StandardOutput, "Queries per second"));
            figures["upDnsLost"] = Field(perf.StandardOutput, "Queries lost");
            var v = await HostCommand.RunAsync("ip", ["netns", "exec", clientNs, "dnsperf", "-s", Gateway, "-d", queries, "-l", "3", "-c", "4", "-Q", "5000", "-v"], cancellationToken: ct);
            var latencies = Regex.Matches(v.StandardOutput, @"^> \S+ \S+ \S+ ([0-9.]+)$", RegexOptions.Multiline)
                .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000).Order().ToList();
            if (latencies.Count == 0)
            {
                throw new InvalidOperationException($"dnsperf -v gave no latencies: {v.StandardOutput[..Math.Min(500, v.StandardOutput.Length)]}{v.StandardError}");
            }

            figures["upDnsP50MsAt5000qps"] = Math.Round(latencies[(int)(0.5 * latencies.Count)], 3);
            figures["upDnsP99MsAt5000qps"] = Math.Round(latencies[Math.Min(latencies.Count - 1, (int)(0.99 * latencies.Count))], 3);

            // Unready → out of the data plane, five rounds.
            using var api = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(berth.Kubeconfig));
            var afterUnready = new List<double>();
            var afterExec = new List<double>();
            for (var round = 0; round < 5; round++)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromSeconds(20));
                var start = Stopwatch.GetTimestamp();
                var unready = Task.Run(async () =>
                {
                    while (true)
                    {
                        var p = await api.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: cts.Token);
                        if (p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "False") == true)
                        {
                            return Stopwatch.GetElapsedTime(start);
                        }

                        await Task.Delay(10, cts.Token);
                    }
                }, cts.Token);
                var removed = Task.Run(async () =>
                {
                    while ((await Nft()).Contains($"__{webIp}/8080", StringComparison.Ordinal))
                    {
                        await Task.Delay(10, cts.Token);
                    }

                    return Stopwatch.GetElapsedTime(start);
                }, cts.Token);
                await kubectl("exec web -- sh -c 'rm /w/ready'", null);
                var (u, r) = (await unready, await removed);
                afterUnready.Add((r - u).TotalMilliseconds);
                afterExec.Add(r.TotalMilliseconds);
                await kubectl("exec web -- sh -c 'echo ok > /w/ready'", null);
                await WaitAsync(async () => (await Nft()).Contains($"__{webIp}/8080", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "web endpoint back in the rules");
            }

            afterUnready.Sort();
            afterExec.Sort();
            Console.WriteLine($"berth up: unready → out of the rules (ms, 5 rounds): {string.Join(", ", afterUnready.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}; probe file removed → out: {string.Join(", ", afterExec.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}");
            figures["upUnreadyToRemovedP50Ms"] = Math.Round(afterUnready[2], 1);
            figures["upUnreadyToRemovedMaxMs"] = Math.Round(afterUnready[^1], 1);
            figures["upProbeFileToRemovedP50Ms"] = Math.Round(afterExec[2], 1);
            figures["upProbeFileToRemovedMaxMs"] = Math.Round(afterExec[^1], 1);
        }
        finally
        {
            if (backend is not null)
            {
                backend.Kill(entireProcessTree: true);
                await backend.WaitForExitAsync(CancellationToken.None);
            }

            await KubectlAsync(berth, dataDir, "delete pods,services --all --grace-period=1 --timeout=60s", null, CancellationToken.None, check: false);
        }

        return (rows, figures);
    }

    private static string Netns(string uid) => "berth-" + uid.Trim().Replace("-", "", StringComparison.Ordinal)[..12];

    private static async Task<string> Nft() => (await HostCommand.RunAsync("nft", ["list", "table", "ip", Bridge])).StandardOutput;

    private static double Field(string output, string label) =>
        double.Parse(Regex.Match(output, Regex.Escape(label) + @":\s+([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);

    private static async Task<string> KubectlAsync(BerthProcess berth, string dataDir, string args, string? stdin, CancellationToken ct, bool check = true)
    {
        // kubectl's arguments split as a shell would, for the one quoted 'sh -c' argument used here.
        var parts = Regex.Matches(args, @"'([^']*)'|(\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
        var r = await HostCommand.RunAsync("kubectl", [.. parts, "--cache-dir", Path.Combine(dataDir, "kubecache")], stdin,
            new Dictionary<string, string> { ["KUBECONFIG"] = berth.Kubeconfig }, ct);
        if (check && !r.Succeeded)
        {
            throw new InvalidOperationException($"kubectl {args} failed: {r.StandardOutput}{r.StandardError}");
        }

        return r.StandardOutput;
    }

    private static async Task<bool> ConnectsAsync(string ip, int port)
    {
        using var c = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await c.ConnectAsync(System.Net.IPAddress.Parse(ip), port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static Process StartIn(string netns, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", netns, .. command])
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"{what}: not within {timeout}");
            }

            await Task.Delay(20);
        }
    }
}
