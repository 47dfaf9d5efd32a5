using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run api [--backend sqlite|etcd|both] [--objects N]</c>: a real <c>berth up</c> driven over
/// HTTPS. Per backend: durable creates/s and p50/p99 with 1 and 16 concurrent clients, list latency
/// of N pods, watch fan-out (100 watchers, write → last watcher's event), and RSS idle and with N
/// objects. Pods are pinned to a node that does not exist, so nothing schedules or runs them.
/// </summary>
public sealed class ApiScenario : IScenario
{
    public string Name => "api";

    public string Description => "API server: creates/s, p50/p99, list of 10,000, watch fan-out, RSS (sqlite and etcd)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var backend = Option(args, "--backend") ?? "both";
        var objects = int.Parse(Option(args, "--objects") ?? "10000", CultureInfo.InvariantCulture);
        var creates16 = int.Parse(Option(args, "--creates16") ?? "4000", CultureInfo.InvariantCulture);
        var results = new List<ApiFigures>();
        if (backend is "sqlite" or "both")
        {
            results.Add(await MeasureAsync("sqlite", null, objects, creates16, cancellationToken));
        }

        if (backend is "etcd" or "both")
        {
            await using var etcd = await EtcdProcess.StartAsync();
            results.Add(await MeasureAsync("etcd", etcd.StoreUri, objects, creates16, cancellationToken));
        }

        Console.WriteLine();
        Console.WriteLine($"{"backend",-8} {"creates/s 1",12} {"p50 ms",8} {"p99 ms",8} {"creates/s 16",13} {"p50 ms",8} {"p99 ms",8} {"list ms",8} {"fan-out ms",11} {"idle MB",8} {"loaded MB",10}");
        foreach (var r in results)
        {
            Console.WriteLine($"{r.Backend,-8} {r.CreatesPerSecond1,12:F0} {r.CreateP50Ms1,8:F2} {r.CreateP99Ms1,8:F2} {r.CreatesPerSecond16,13:F0} {r.CreateP50Ms16,8:F2} {r.CreateP99Ms16,8:F2} {r.ListMs,8:F1} {r.WatchFanOutMs,11:F1} {r.IdleRssMb,8:F1} {r.LoadedRssMb,10:F1}");
        }

        var json = new JsonObject
        {
            ["scenario"] = "api",
            ["objects"] = objects,
        };
        foreach (var r in results)
        {
            // The Sqlite figures (the embedded default) are the top-level keys; other backends nest under their name.
            var target = r.Backend == "sqlite" ? json : new JsonObject();
            target["createsPerSecond1"] = Round(r.CreatesPerSecond1);
            target["createP50Ms1"] = Round(r.CreateP50Ms1);
            target["createP99Ms1"] = Round(r.CreateP99Ms1);
            target["createsPerSecond16"] = Round(r.CreatesPerSecond16);
            target["createP50Ms16"] = Round(r.CreateP50Ms16);
            target["createP99Ms16"] = Round(r.CreateP99Ms16);
            target["serverCpuMsPerCreate"] = Math.Round(r.ServerCpuMsPerCreate, 3);
            target["listMs"] = Round(r.ListMs);
            target["watchFanOutMs"] = Round(r.WatchFanOutMs);
            target["idleRssMb"] = Round(r.IdleRssMb);
            target["loadedRssMb"] = Round(r.LoadedRssMb);
            if (r.Backend != "sqlite")
            {
                json[r.Backend] = target;
            }
        }

        Console.WriteLine(json.ToJsonString());
        return 0;
    }

    private static async Task<ApiFigures> MeasureAsync(string backend, string? store, int objects, int creates16, CancellationToken ct)
    {
        Console.WriteLine($"== {backend}: starting berth up");
        await using var berth = await BerthProcess.StartAsync(store is null ? null : $"--store {store}");
        using var http = Client(berth, 64);
        await Post(http, "/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}""", ct);

        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        GC.Collect();
        var idle = RssMb(berth.Pid!.Value);
        Console.WriteLine($"   idle RSS {idle:F1} MB");

        var next = 0;
        var (rate1, p50_1, p99_1) = await CreatesAsync(http, 1, 500, () => Interlocked.Increment(ref next), ct);
        Console.WriteLine($"   1 client: {rate1:F0} creates/s, p50 {p50_1:F2} ms, p99 {p99_1:F2} ms");
        var cpuBefore = CpuSeconds(berth.Pid!.Value);
        var (rate16, p50_16, p99_16) = await CreatesAsync(http, 16, creates16, () => Interlocked.Increment(ref next), ct);
        var cpuPerCreateMs = (CpuSeconds(berth.Pid!.Value) - cpuBefore) * 1000 / creates16;
        Console.WriteLine($"   16 clients: {rate16:F0} creates/s, p50 {p50_16:F2} ms, p99 {p99_16:F2} ms, server CPU {cpuPerCreateMs:F3} ms per create");
        if (next < objects)
        {
            await CreatesAsync(http, 16, objects - next, () => Interlocked.Increment(ref next), ct);
        }

        var lists = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            using var resp = await http.GetAsync("/api/v1/namespaces/bench/pods", HttpCompletionOption.ResponseContentRead, ct);
            resp.EnsureSuccessStatusCode();
            lists.Add(sw.Elapsed.TotalMilliseconds);
        }

        var listMs = Median(lists);
        Console.WriteLine($"   list of {next} pods: median {listMs:F1} ms");

        var fanOut = await WatchFanOutAsync(berth, http, 100, 20, ct);
        Console.WriteLine($"   watch fan-out to 100 watchers: median {fanOut:F1} ms");
        GC.Collect();
        var loaded = RssMb(berth.Pid!.Value);
        Console.WriteLine($"   RSS with {next} objects {loaded:F1} MB");
        await berth.StopAsync();
        return new ApiFigures(backend, rate1, p50_1, p99_1, rate16, p50_16, p99_16, cpuPerCreateMs, listMs, fanOut, idle, loaded);
    }

    private static async Task<(double Rate, double P50, double P99)> CreatesAsync(HttpClient http, int clients, int count, Func<int> nextIndex,
        CancellationToken ct)
    {
        var latencies = new List<double>(count);
        var remaining = count;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var i = nextIndex();
                var sw = Stopwatch.StartNew();
                await Post(http, "/api/v1/namespaces/bench/pods", PodJson($"p-{i:D6}"), ct);
                mine.Add(sw.Elapsed.TotalMilliseconds);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }, ct)));
        var seconds = total.Elapsed.TotalSeconds;
        latencies.Sort();
        return (count / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    /// <summary>Opens N watchers, writes objects one at a time, and measures write → last watcher's event.</summary>
    private static async Task<double> WatchFanOutAsync(BerthProcess berth, HttpClient http, int watchers, int writes, CancellationToken ct)
    {
        using var watchHttp = Client(berth, watchers + 4);
        watchHttp.Timeout = Timeout.InfiniteTimeSpan;
        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/bench/configmaps", ct))!;
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, (int Count, long LastTicks)>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ready = new CountdownEvent(watchers);
        var tasks = Enumerable.Range(0, watchers).Select(_ => Task.Run(async () =>
        {
            using var resp = await watchHttp.GetAsync($"/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion={rv}",
                HttpCompletionOption.ResponseHeadersRead, cts.Token);
            ready.Signal();
            using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                var now = Stopwatch.GetTimestamp();
                var name = JsonNode.Parse(line)?["object"]?["metadata"]?["name"]?.GetValue<string>();
                if (name is not null)
                {
                    seen.AddOrUpdate(name, (1, now), (_, v) => (v.Count + 1, Math.Max(v.LastTicks, now)));
                }
            }
        }, cts.Token)).ToList();
        ready.Wait(TimeSpan.FromSeconds(30), ct);

        var samples = new List<double>();
        for (var i = 0; i < writes; i++)
        {
            var name = $"fan-{i}";
            var start = Stopwatch.GetTimestamp();
            await Post(http, "/api/v1/namespaces/bench/configmaps", $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"}}""", ct);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && (!seen.TryGetValue(name, out var v) || v.Count < watchers))
            {
                await Task.Delay(1, ct);
            }

            if (seen.TryGetValue(name, out var done) && done.Count >= watchers)
            {
                samples.Add(Stopwatch.GetElapsedTime(start, done.LastTicks).TotalMilliseconds);
            }
        }

        await cts.CancelAsync();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
        }

        return samples.Count == 0 ? double.NaN : Median(samples);
    }

    private static async Task Post(HttpClient http, string path, string json, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var resp = await http.PostAsync(path, content, ct);
        if (!resp.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)resp.StatusCode}: {await resp.Content.ReadAsStringAsync(ct)}");
        }
    }

    private static string PodJson(string name) =>
        $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","labels":{"app":"bench"}},"spec":{"nodeName":"bench-nowhere","containers":[{"name":"c","image":"busybox:latest","command":["sleep","3600"]}]}}""";

    private static HttpClient Client(BerthProcess berth, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        handler.SslOptions.ClientCertificates = [ApiHttp.AdminCertificate(berth.Kubeconfig)];
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{berth.Port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    private static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    /// <summary>User + system CPU seconds the process has used (/proc/PID/stat, clock ticks of 10 ms).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? double.NaN : s[s.Count / 2];
    }

    private static double Round(double v) => Math.Round(v, 2);

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    private sealed record ApiFigures(string Backend, double CreatesPerSecond1, double CreateP50Ms1, double CreateP99Ms1, double CreatesPerSecond16,
        double CreateP50Ms16, double CreateP99Ms16, double ServerCpuMsPerCreate, double ListMs, double WatchFanOutMs, double IdleRssMb, double LoadedRssMb);
}
