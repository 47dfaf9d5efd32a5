using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using Berth.Testing;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run pod-startup [--pods 100] [--idle 500] [--bare 20]</c>: issue 3's figures, in one run on one machine.
/// (a) the yardstick: bare <c>runc run -d</c> (and crun) of the same unpacked busybox image in a fresh netns
/// (<see cref="BareRuntimeBaseline"/>); (b) Berth: POST of a pod with spec.nodeName → the watch shows it Running with
/// its container started, for N pods one after another (p50, p99) and N created at once (time until all Running);
/// then with <c>--idle</c> pods on the node, the RSS of <c>berth up</c> (server + agent) and of the conmon shims.
/// Runs its own <c>berth up</c> on bridge bt-bench0 and 10.252.0.0/22 and removes everything at the end.
/// </summary>
public sealed class PodStartupScenario : IScenario
{
    private const string Image = "busybox-httpd:bench";

    public string Name => "pod-startup";

    public string Description => "pods: POST → Running p50/p99 vs bare runc run, 100 at once, RSS with 500 idle pods";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var count = int.Parse(Option(args, "--pods") ?? "100", CultureInfo.InvariantCulture);
        var idle = int.Parse(Option(args, "--idle") ?? "500", CultureInfo.InvariantCulture);
        var bareRuns = int.Parse(Option(args, "--bare") ?? "20", CultureInfo.InvariantCulture);
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-podbench-").FullName;
        Console.WriteLine($"== building {Image} into {dataDir}");
        await BuildBusyboxAsync(dataDir);
        var layers = new ImageStore(dataDir).Resolve(Image).LayerDirs;

        Console.WriteLine($"== (a) bare run -d of the same layers in a fresh netns, {bareRuns} runs each");
        var bareRunc = await BareAsync(OciRuntimeBinary.Runc(), layers, dataDir, bareRuns, cancellationToken);
        var crunUsable = (await OciRuntimeBinary.Crun().ProbeAsync(cancellationToken)).Usable;
        var bareCrun = crunUsable ? await BareAsync(OciRuntimeBinary.Crun(), layers, dataDir, bareRuns, cancellationToken) : [];

        Console.WriteLine("== (b) berth up");
        await using var berth = await BerthProcess.StartAsync("--pod-cidr 10.252.0.0/22 --bridge bt-bench0", dataDir: dataDir);
        using var http = ApiHttp.Create(berth);
        http.Timeout = TimeSpan.FromMinutes(5);
        await using var watch = await PodWatch.StartAsync(berth, cancellationToken);
        var runtime = await RuntimeOfNodeAsync(http, berth.NodeName, cancellationToken);

        Console.WriteLine($"== {count} pods one after another");
        var sequential = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var name = $"seq-{i}";
            var running = watch.WhenRunning(name);
            var sw = Stopwatch.StartNew();
            await CreatePodAsync(http, berth.NodeName, name, cancellationToken);
            await running.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            sequential.Add(sw.Elapsed.TotalMilliseconds);
        }

        // The breakdown is of the sequential phase only (the later ones measure contention).
        var sequentialLog = File.Exists(berth.LogPath) ? File.ReadAllText(berth.LogPath) : "";
        await DeleteAllAsync(http, dataDir, cancellationToken);

        Console.WriteLine($"== {count} pods at once");
        var burstWatch = Stopwatch.StartNew();
        var burstRunning = Enumerable.Range(0, count).Select(i => watch.WhenRunning($"burst-{i}")).ToList();
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => CreatePodAsync(http, berth.NodeName, $"burst-{i}", cancellationToken)));
        await Task.WhenAll(burstRunning).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var burstSeconds = burstWatch.Elapsed.TotalSeconds;

        double? rssMb = null, shimMb = null;
        if (idle > 0)
        {
            Console.WriteLine($"== up to {idle} idle pods");
            var more = Enumerable.Range(count, Math.Max(0, idle - count)).ToList();
            foreach (var chunk in more.Chunk(50))
            {
                var ready = chunk.Select(i => watch.WhenRunning($"burst-{i}")).ToList();
                await Task.WhenAll(chunk.Select(i => CreatePodAsync(http, berth.NodeName, $"burst-{i}", cancellationToken)));
                await Task.WhenAll(ready).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
            }

            await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
            rssMb = Rss(berth.Pid!.Value) / 1048576.0;
            shimMb = ShimPids(dataDir).Sum(Rss) / 1048576.0;
        }

        Console.WriteLine("== cleaning up");
        await DeleteAllAsync(http, dataDir, cancellationToken);
        var log = sequentialLog;
        var networkMs = System.Text.RegularExpressions.Regex.Matches(log, @"network ready, \S+ in \S+, (\d+) ms").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var createMs = System.Text.RegularExpressions.Regex.Matches(log, @"created container .* in (\d+) ms").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

        var p50 = Percentile(sequential, 50);
        var p99 = Percentile(sequential, 99);
        var runcP50 = Percentile(bareRunc, 50);
        var crunP50 = bareCrun.Count > 0 ? Percentile(bareCrun, 50) : double.NaN;
        var same = runtime == "crun" && bareCrun.Count > 0 ? crunP50 : runcP50;
        Console.WriteLine();
        Console.WriteLine($"{"what",-52} {"value",10}");
        Console.WriteLine($"{"(a) bare runc run -d + netns, p50 ms",-52} {runcP50,10:F1}");
        Console.WriteLine($"{"(a) bare crun run -d + netns, p50 ms",-52} {crunP50,10:F1}");
        Console.WriteLine($"{$"(b) berth POST → Running ({runtime}), p50 ms",-52} {p50,10:F1}");
        Console.WriteLine($"{"(b) berth POST → Running, p99 ms",-52} {p99,10:F1}");
        Console.WriteLine($"{"    of which pod network (CNI) set-up, p50 ms",-52} {Percentile(networkMs, 50),10:F1}");
        Console.WriteLine($"{"    of which container create (conmon+runtime), p50 ms",-52} {Percentile(createMs, 50),10:F1}");
        Console.WriteLine($"{"ratio berth p50 / bare runc p50",-52} {p50 / runcP50,10:F2}");
        Console.WriteLine($"{$"ratio berth p50 / bare {runtime} p50",-52} {p50 / same,10:F2}");
        Console.WriteLine($"{$"{count} pods at once, all Running, s",-52} {burstSeconds,10:F2}");
        Console.WriteLine($"{$"berth up RSS with {idle} idle pods, MB",-52} {rssMb,10:F1}");
        Console.WriteLine($"{$"conmon shims RSS with {idle} idle pods, MB (sum of RSS)",-52} {shimMb,10:F1}");
        var json = new JsonObject
        {
            ["scenario"] = "pod-startup",
            ["runtime"] = runtime,
            ["pods"] = count,
            ["p50Ms"] = Round(p50),
            ["p99Ms"] = Round(p99),
            ["bareRuncP50Ms"] = Round(runcP50),
            ["bareCrunP50Ms"] = double.IsNaN(crunP50) ? null : Round(crunP50),
            ["ratioToRunc"] = Round(p50 / runcP50),
            ["ratioToSameRuntime"] = Round(p50 / same),
            ["networkSetupP50Ms"] = Round(Percentile(networkMs, 50)),
            ["containerCreateP50Ms"] = Round(Percentile(createMs, 50)),
            ["burst100Seconds"] = Round(burstSeconds),
            ["idlePods"] = idle,
            ["rss500Mb"] = rssMb is { } r ? Round(r) : null,
            ["shimRssMb"] = shimMb is { } s ? Round(s) : null,
        };
        Console.WriteLine(json.ToJsonString());
        return 0;
    }

    private static async Task<List<double>> BareAsync(OciRuntimeBinary binary, IReadOnlyList<string> layers, string dataDir, int runs, CancellationToken ct)
    {
        var work = Path.Combine(dataDir, "bare-" + binary.Name);
        Directory.CreateDirectory(work);
        var baseline = new BareRuntimeBaseline(binary, work, "/berth-bench");
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            samples.Add((await baseline.RunOnceAsync(layers, ct)).Total.TotalMilliseconds);
        }

        Directory.Delete(work, recursive: true);
        return samples;
    }

    private static async Task CreatePodAsync(HttpClient http, string node, string name, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["terminationGracePeriodSeconds"] = 0,
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "c",
                    ["image"] = Image,
                    ["imagePullPolicy"] = "IfNotPresent",
                    ["command"] = new JsonArray("sleep", "36000"),
                }),
            },
        }.ToJsonString();
        using var r = await http.PostAsync("/api/v1/namespaces/default/pods", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"create {name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Deletes every pod and waits until the node has no container left.</summary>
    private static async Task DeleteAllAsync(HttpClient http, string dataDir, CancellationToken ct)
    {
        using (await http.DeleteAsync("/api/v1/namespaces/default/pods", ct))
        {
        }

        // Gone from the API is not gone from the node: wait until the agent has removed every container and network.
        var containers = Path.Combine(dataDir, "containers");
        var networks = Path.Combine(dataDir, "network", "pods");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (DateTime.UtcNow < deadline &&
               ((Directory.Exists(containers) && Directory.EnumerateDirectories(containers).Any()) ||
                (Directory.Exists(networks) && Directory.EnumerateFiles(networks, "*.json").Any()) ||
                JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/default/pods", ct))?["items"]?.AsArray().Count > 0))
        {
            await Task.Delay(250, ct);
        }
    }

    private static async Task<string> RuntimeOfNodeAsync(HttpClient http, string node, CancellationToken ct)
    {
        var json = JsonNode.Parse(await http.GetStringAsync($"/api/v1/nodes/{node}", ct));
        var version = json?["status"]?["nodeInfo"]?["containerRuntimeVersion"]?.GetValue<string>() ?? "runc://";
        return version.Split("://")[0];
    }

    private static IEnumerable<int> ShimPids(string dataDir)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.StartsWith("/usr/bin/conmon ", StringComparison.Ordinal) && cmdline.Contains(dataDir, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }

    private static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    /// <summary>examples/busybox built with <c>berth image build</c> into a data dir (also used by <see cref="ServiceBerthUpPath"/> and <see cref="DeploymentScaleAgentPath"/>).</summary>
    internal static async Task BuildBusyboxAsync(string dataDir, string image = Image)
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
            using var p = Process.Start(new ProcessStartInfo(TestPaths.Berth, ["image", "build", "-t", image, context, "--data-dir", dataDir]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"berth image build failed: {await output}{await error}");
            }
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static double Round(double v) => Math.Round(v, 2);

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        var i = args.ToList().IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }

    /// <summary>One watch on the pods of <c>default</c>: completes a waiter when its pod is Running with its container started.</summary>
    private sealed class PodWatch : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, bool> _running = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _http;
        private Task _loop = Task.CompletedTask;

        private PodWatch(HttpClient http)
        {
            _http = http;
        }

        public static async Task<PodWatch> StartAsync(BerthProcess berth, CancellationToken ct)
        {
            var http = ApiHttp.Create(berth);
            http.Timeout = Timeout.InfiniteTimeSpan;
            var w = new PodWatch(http);
            var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/default/pods", ct));
            var rv = list?["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "0";
            w._loop = Task.Run(() => w.RunAsync(rv, w._stop.Token), CancellationToken.None);
            return w;
        }

        public Task WhenRunning(string name)
        {
            var tcs = _waiters.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_running.ContainsKey(name))
            {
                tcs.TrySetResult();
            }

            return tcs.Task;
        }

        private async Task RunAsync(string rv, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    using var response = await _http.GetAsync($"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}&allowWatchBookmarks=true", HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        var e = JsonNode.Parse(line);
                        var pod = e?["object"];
                        rv = pod?["metadata"]?["resourceVersion"]?.GetValue<string>() ?? rv;
                        var name = pod?["metadata"]?["name"]?.GetValue<string>();
                        if (name is null || e?["type"]?.GetValue<string>() is "DELETED" or "BOOKMARK")
                        {
                            if (name is not null)
                            {
                                _running.TryRemove(name, out _);
                                _waiters.TryRemove(name, out _);
                            }

                            continue;
                        }

                        var running = pod?["status"]?["phase"]?.GetValue<string>() == "Running" &&
                                      pod?["status"]?["containerStatuses"]?[0]?["state"]?["running"] is not null;
                        if (running)
                        {
                            _running[name] = true;
                            if (_waiters.TryGetValue(name, out var tcs))
                            {
                                tcs.TrySetResult();
                            }
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    await Task.Delay(200, CancellationToken.None);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_loop.IsCompleted && _stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }

            _http.Dispose();
            _stop.Dispose();
        }
    }
}
