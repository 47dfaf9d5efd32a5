using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Store;
using Berth.Store.Etcd;
using Berth.Store.Memory;
using Berth.Store.Sqlite;
using Berth.Testing;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run store [--backend sqlite|etcd|memory] [--endpoint URL] [--keys N] [--value-bytes N] [--watchers N]</c>:
/// durable creates at 1 and 16 concurrent writers (rate, p50, p99), a list of all N keys, and the fan-out
/// of updates to many watchers. Sqlite runs on a fresh file under the temporary directory; etcd is a
/// throwaway local member unless --endpoint names one.
/// </summary>
public sealed class StoreScenario : IScenario
{
    public string Name => "store";

    public string Description => "store backend: creates/s + p50/p99 at 1 and 16 writers, list of 10,000, watch fan-out (--backend sqlite|etcd|memory)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var backend = Option(args, "--backend") ?? "sqlite";
        var keys = int.Parse(Option(args, "--keys") ?? "10000", CultureInfo.InvariantCulture);
        var valueBytes = int.Parse(Option(args, "--value-bytes") ?? "1500", CultureInfo.InvariantCulture);
        var watchers = int.Parse(Option(args, "--watchers") ?? "100", CultureInfo.InvariantCulture);
        var singleWrites = Math.Min(1000, keys / 10);

        EtcdProcess? etcd = null;
        var directory = Path.Combine(Path.GetTempPath(), $"bt-bench-store-{Guid.NewGuid():N}");
        try
        {
            IStore store;
            switch (backend)
            {
                case "sqlite":
                    store = new SqliteStore(Path.Combine(directory, "state.db"));
                    break;
                case "etcd":
                    var endpoint = Option(args, "--endpoint");
                    if (endpoint is null)
                    {
                        etcd = await EtcdProcess.StartAsync();
                    }

                    store = new EtcdStore(new EtcdStoreOptions { Endpoints = [new Uri(endpoint ?? etcd!.ClientUrl)], Prefix = $"/bt-bench-{Guid.NewGuid():N}" });
                    break;
                case "memory":
                    store = new MemoryStore();
                    break;
                default:
                    Console.Error.WriteLine($"store: unknown backend '{backend}' (sqlite, etcd, memory)");
                    return 2;
            }

            await using (store)
            {
                await store.StartAsync(cancellationToken);
                return await MeasureAsync(store, backend, keys, singleWrites, valueBytes, watchers, cancellationToken);
            }
        }
        finally
        {
            if (etcd is not null)
            {
                await etcd.DisposeAsync();
            }

            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<int> MeasureAsync(IStore store, string backend, int keys, int singleWrites, int valueBytes, int watcherCount, CancellationToken ct)
    {
        var commitsBefore = (store as SqliteStore)?.CommitCount ?? 0;

        // 1. One writer.
        var single = await WriteAsync(store, 0, singleWrites, writers: 1, valueBytes, ct);

        // 2. Sixteen writers, up to the full key count.
        var commitsMid = (store as SqliteStore)?.CommitCount ?? 0;
        var concurrent = await WriteAsync(store, singleWrites, keys - singleWrites, writers: 16, valueBytes, ct);
        var commitsAfter = (store as SqliteStore)?.CommitCount ?? 0;

        // 3. List everything.
        var listTimes = new List<double>();
        var listCpu = TimeSpan.Zero;
        for (var i = 0; i < 11; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var list = await store.ListAsync("/bench/pods/", 0, ct);
            sw.Stop();
            if (list.Entries.Count != keys)
            {
                throw new InvalidOperationException($"the list returned {list.Entries.Count} entries, not {keys}");
            }

            if (i > 0)
            {
                listTimes.Add(sw.Elapsed.TotalMilliseconds);
                listCpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
            }
        }

        // 4. Fan-out of updates to many watchers.
        var fanout = await FanOutAsync(store, watcherCount, updates: 500, ct);

        var singleRate = singleWrites / single.Elapsed.TotalSeconds;
        var concurrentRate = (keys - singleWrites) / concurrent.Elapsed.TotalSeconds;
        var batch = commitsAfter > commitsMid ? (keys - singleWrites) / (double)(commitsAfter - commitsMid) : 0;
        Console.WriteLine($"store backend: {backend}; {keys} keys of {valueBytes} bytes; {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| measurement                    |      value | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|--------------------------------|-----------:|-------:|-------:|-------:|");
        Row($"creates, 1 writer ({singleWrites})", $"{singleRate:F0}/s", single.Latencies);
        Row($"creates, 16 writers ({keys - singleWrites})", $"{concurrentRate:F0}/s", concurrent.Latencies);
        Row($"list of {keys}", $"{listCpu.TotalMilliseconds / listTimes.Count:F0} ms cpu", listTimes);
        Row($"watch fan-out to {watcherCount}", $"{fanout.DeliveriesPerSecond:F0} ev/s", fanout.Latencies);
        if (store is SqliteStore)
        {
            Console.WriteLine($"| sqlite commits at 16 writers   | {commitsAfter - commitsMid,10} | avg batch {batch:F1} writes     |");
            _ = commitsBefore;
        }

        Console.WriteLine();
        var figures = new Dictionary<string, object>
        {
            ["scenario"] = "store",
            ["backend"] = backend,
            ["keys"] = keys,
            ["value_bytes"] = valueBytes,
            ["creates_per_s_1"] = Math.Round(singleRate),
            ["create_p50_ms_1"] = Round(Percentile(single.Latencies, 50)),
            ["create_p99_ms_1"] = Round(Percentile(single.Latencies, 99)),
            ["creates_per_s_16"] = Math.Round(concurrentRate),
            ["create_p50_ms_16"] = Round(Percentile(concurrent.Latencies, 50)),
            ["create_p99_ms_16"] = Round(Percentile(concurrent.Latencies, 99)),
            ["list_p50_ms"] = Round(Percentile(listTimes, 50)),
            ["list_max_ms"] = Round(listTimes.Max()),
            ["list_cpu_ms"] = Round(listCpu.TotalMilliseconds / listTimes.Count),
            ["watchers"] = watcherCount,
            ["watch_deliveries_per_s"] = Math.Round(fanout.DeliveriesPerSecond),
            ["watch_p50_ms"] = Round(Percentile(fanout.Latencies, 50)),
            ["watch_p99_ms"] = Round(Percentile(fanout.Latencies, 99)),
        };
        if (store is SqliteStore)
        {
            figures["sqlite_avg_batch_16"] = Math.Round(batch, 1);
        }

        Console.WriteLine(JsonSerializer.Serialize(figures));
        return 0;
    }

    private static async Task<(TimeSpan Elapsed, List<double> Latencies)> WriteAsync(IStore store, int first, int count, int writers, int valueBytes, CancellationToken ct)
    {
        var next = first - 1;
        var end = first + count;
        var latencies = new ConcurrentBag<double>();
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < end)
            {
                var key = $"/bench/pods/default/pod-{i:D6}";
                var value = PodJson(key, valueBytes);
                var start = Stopwatch.GetTimestamp();
                await store.CreateAsync(key, value, ct);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }, ct)));
        total.Stop();
        return (total.Elapsed, latencies.ToList());
    }

    private static async Task<(double DeliveriesPerSecond, List<double> Latencies)> FanOutAsync(IStore store, int watcherCount, int updates, CancellationToken ct)
    {
        var started = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        var received = 0L;
        var from = await store.GetCurrentRevisionAsync(ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watchers = Enumerable.Range(0, watcherCount).Select(_ => Task.Run(async () =>
        {
            var seen = 0;
            try
            {
                await foreach (var e in store.WatchAsync("/bench/pods/", from, stop.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (started.TryGetValue(e.Key, out var t0))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
                    }

                    Interlocked.Increment(ref received);
                    if (++seen == updates)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }, ct)).ToList();

        var total = Stopwatch.StartNew();
        var value = Encoding.UTF8.GetBytes("{\"status\":\"updated\"}");
        for (var i = 0; i < updates; i++)
        {
            var key = $"/bench/pods/default/pod-{i:D6}";
            var current = await store.GetAsync(key, ct) ?? throw new InvalidOperationException($"{key} is missing");
            started[key] = Stopwatch.GetTimestamp();
            await store.UpdateAsync(key, value, current.ModRevision, ct);
        }

        var all = Task.WhenAll(watchers);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60), ct)) != all)
        {
            await stop.CancelAsync();
            throw new TimeoutException($"watchers received {Interlocked.Read(ref received)} of {updates * watcherCount} events within 60 s");
        }

        total.Stop();
        return (received / total.Elapsed.TotalSeconds, latencies.ToList());
    }

    /// <summary>A pod-shaped JSON value of about <paramref name="bytes"/> bytes.</summary>
    private static byte[] PodJson(string key, int bytes)
    {
        var head = $"{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"{key[(key.LastIndexOf('/') + 1)..]}\",\"namespace\":\"default\"}},\"spec\":{{\"containers\":[{{\"name\":\"app\",\"image\":\"busybox\"}}]}},\"pad\":\"";
        var pad = Math.Max(0, bytes - head.Length - 2);
        return Encoding.UTF8.GetBytes(head + new string('x', pad) + "\"}");
    }

    private static void Row(string name, string value, List<double> samples) =>
        Console.WriteLine($"| {name,-30} | {value,10} | {Percentile(samples, 50),6:F2} | {Percentile(samples, 99),6:F2} | {samples.Max(),6:F2} |");

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        var index = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static double Round(double ms) => Math.Round(ms, 2);

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
}
