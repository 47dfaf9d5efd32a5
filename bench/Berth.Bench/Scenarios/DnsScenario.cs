using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Network.Dns;
using Berth.Network.Host;
using Berth.Network.Pods;

namespace Berth.Bench.Scenarios;

/// <summary>
/// Cluster DNS from inside a pod (issue 5's figure: ≥ 20,000 queries/s, and p99), in one run, against three servers
/// on the pod's gateway: dnsmasq (C, from Debian: the baseline of what this machine can do), ClusterDnsServer on
/// ARSoft's own UDP transport (the engine before the fast path) and ClusterDnsServer as shipped (SO_REUSEPORT
/// receive loops + answer cache). For each: <c>dnsperf</c> at full speed (queries/s, lost), then <c>dnsperf -v</c>
/// at a fixed rate for latency percentiles. The machine's 1-minute load average is printed with every figure.
/// Options: --seconds N (default 5), --clients N (dnsperf -c, 8), --threads N (-T, 2), --outstanding N (-q, 200),
/// --rate N (the latency run's q/s, 5000), --only a,b (dnsmasq, arsoft, fast), --rounds N (2: the engines run in
/// order, then in reverse order, and so on, so that a load change on the shared machine does not favour one of them;
/// the figures are the means over the rounds).
/// </summary>
public sealed class DnsScenario : IScenario
{
    private const int Names = 100;

    public string Name => "dns";

    public string Description => "cluster DNS q/s and latency from a pod (dnsperf): dnsmasq vs ARSoft transport vs fast path";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 5);
        var clients = Option(args, "--clients", 8);
        var threads = Option(args, "--threads", 2);
        var outstanding = Option(args, "--outstanding", 200);
        var rate = Option(args, "--rate", 5000);
        var rounds = Option(args, "--rounds", 2);
        var onlyIndex = args.ToList().IndexOf("--only");
        var only = onlyIndex >= 0 ? args[onlyIndex + 1].Split(',') : ["dnsmasq", "arsoft", "fast"];

        var dataDir = Directory.CreateTempSubdirectory("bt-bench-dns-").FullName;
        var net = new PodNetwork(new PodNetworkOptions
        {
            DataDirectory = dataDir,
            BridgeName = "bt-bdns0",
            NetnsPrefix = "bt-bdns-",
            NetworkName = "bt-bdns",
            PodCidr = IPNetwork.Parse("10.252.0.0/24"),
        });
        var rows = new List<Row>();
        try
        {
            var client = await net.SetUpAsync(new PodNetworkRequest("bench/dns-client", Guid.NewGuid().ToString()), cancellationToken);
            var netns = Path.GetFileName(client.NetnsPath);
            var services = Enumerable.Range(0, Names).Select(i => new DnsService("bench", $"svc{i}", IPAddress.Parse($"10.98.1.{i + 1}"), [new DnsServicePort("http", "TCP", 80)], [])).ToList();
            var queries = Path.Combine(dataDir, "queries.txt");
            await File.WriteAllLinesAsync(queries, services.Select(s => $"{s.Name}.bench.svc.cluster.local A"), cancellationToken);
            var port = 5301;
            var sequence = Enumerable.Range(0, rounds).SelectMany(r => r % 2 == 0 ? only : only.Reverse()).ToList();
            foreach (var engine in sequence)
            {
                var ep = new IPEndPoint(client.Gateway, port++);
                switch (engine)
                {
                    case "dnsmasq":
                    {
                        using var dnsmasq = StartDnsmasq(ep, services);
                        await WaitForAnswerAsync(ep, cancellationToken);
                        rows.Add(await MeasureAsync("dnsmasq 2.90 (C, baseline)", netns, ep, queries, seconds, clients, threads, outstanding, rate, cancellationToken));
                        dnsmasq.Kill();
                        await dnsmasq.WaitForExitAsync(CancellationToken.None);
                        break;
                    }

                    case "arsoft" or "fast":
                    {
                        await using var dns = new ClusterDnsServer(new ClusterDnsOptions
                        {
                            Listen = [ep],
                            Upstreams = [],
                            UdpSockets = engine == "arsoft" ? 0 : new ClusterDnsOptions { Listen = [] }.UdpSockets,
                        });
                        dns.Update(services);
                        dns.Start();
                        await WaitForAnswerAsync(ep, cancellationToken);
                        var label = engine == "arsoft" ? "ClusterDnsServer, ARSoft UDP (before)" : "ClusterDnsServer, fast path (after)";
                        var row = await MeasureAsync(label, netns, ep, queries, seconds, clients, threads, outstanding, rate, cancellationToken);
                        rows.Add(row with { CacheHitRatio = dns.QueryCount == 0 ? 0 : (double)dns.CacheHits / dns.QueryCount });
                        break;
                    }

                    default:
                        throw new ArgumentException($"--only: unknown engine '{engine}' (dnsmasq, arsoft, fast)");
                }
            }
        }
        finally
        {
            foreach (var p in await net.ListAsync(CancellationToken.None))
            {
                await net.TearDownAsync(p.PodUid, CancellationToken.None);
            }

            await net.CleanupHostAsync(CancellationToken.None);
            Directory.Delete(dataDir, recursive: true);
        }

        Console.WriteLine($"dnsperf inside a pod: -c {clients} -T {threads} -q {outstanding} -l {seconds}; latency at -Q {rate}; {Environment.ProcessorCount} CPUs");
        Console.WriteLine($"{"server",-40} {"q/s",9} {"lost",7} {"avg ms",8} {"p50 ms",8} {"p99 ms",8} {"load1",6}");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Engine,-40} {r.Qps,9:F0} {r.Lost,7} {r.AvgMs,8:F3} {r.P50Ms,8:F3} {r.P99Ms,8:F3} {r.Load,6:F2}");
        }

        var json = new Dictionary<string, object>();
        void Put(string prefix, Row? r)
        {
            if (r is null)
            {
                return;
            }

            json[prefix + "Qps"] = Math.Round(r.Qps);
            json[prefix + "Lost"] = r.Lost;
            json[prefix + "AvgMs"] = Math.Round(r.AvgMs, 3);
            json[prefix + "P50Ms"] = Math.Round(r.P50Ms, 3);
            json[prefix + "P99Ms"] = Math.Round(r.P99Ms, 3);
            json[prefix + "LoadAvg"] = r.Load;
        }

        Row? Mean(Func<Row, bool> which)
        {
            var rs = rows.Where(which).ToList();
            return rs.Count == 0 ? null : new Row(rs[0].Engine, rs.Average(r => r.Qps), (long)rs.Average(r => r.Lost), rs.Average(r => r.AvgMs),
                rs.Average(r => r.P50Ms), rs.Average(r => r.P99Ms), Math.Round(rs.Average(r => r.Load), 2), rs.Average(r => r.CacheHitRatio));
        }

        var dnsmasqRow = Mean(r => r.Engine.StartsWith("dnsmasq", StringComparison.Ordinal));
        var before = Mean(r => r.Engine.Contains("before", StringComparison.Ordinal));
        var after = Mean(r => r.Engine.Contains("after", StringComparison.Ordinal));
        if (rounds > 1)
        {
            Console.WriteLine($"means over {rounds} rounds:");
            foreach (var r in new[] { dnsmasqRow, before, after }.OfType<Row>())
            {
                Console.WriteLine($"{r.Engine,-40} {r.Qps,9:F0} {r.Lost,7} {r.AvgMs,8:F3} {r.P50Ms,8:F3} {r.P99Ms,8:F3} {r.Load,6:F2}");
            }
        }

        Put("dns", after);
        Put("dnsBefore", before);
        Put("dnsmasq", dnsmasqRow);
        if (after is not null)
        {
            json["dnsCacheHitRatio"] = Math.Round(after.CacheHitRatio, 4);
            if (before is not null)
            {
                json["dnsSpeedupVsBefore"] = Math.Round(after.Qps / before.Qps, 2);
            }

            if (dnsmasqRow is not null)
            {
                json["dnsRatioToDnsmasq"] = Math.Round(after.Qps / dnsmasqRow.Qps, 2);
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(json));
        return 0;
    }

    private static async Task<Row> MeasureAsync(string engine, string netns, IPEndPoint ep, string queries, int seconds, int clients, int threads, int outstanding, int rate, CancellationToken ct)
    {
        var load = LoadAverage();
        var p = ep.Port.ToString(CultureInfo.InvariantCulture);
        var r = await HostCommand.RunAsync("ip", ["netns", "exec", netns, "dnsperf", "-s", ep.Address.ToString(), "-p", p, "-d", queries,
            "-l", seconds.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-T", threads.ToString(CultureInfo.InvariantCulture), "-q", outstanding.ToString(CultureInfo.InvariantCulture)], cancellationToken: ct);
        if (!r.Succeeded)
        {
            throw new InvalidOperationException($"dnsperf failed: {r.StandardOutput}{r.StandardError}");
        }

        double Field(string label) => double.Parse(Regex.Match(r.StandardOutput, label + @":\s+([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var qps = Field("Queries per second");
        var avg = Field("Average Latency \\(s\\)") * 1000;
        var lost = (long)Field("Queries lost");

        // Latency: every answer's round trip as dnsperf reports it (-v), at a fixed rate well below saturation.
        var v = await HostCommand.RunAsync("ip", ["netns", "exec", netns, "dnsperf", "-s", ep.Address.ToString(), "-p", p, "-d", queries,
            "-l", "3", "-c", "4", "-Q", rate.ToString(CultureInfo.InvariantCulture), "-v"], cancellationToken: ct);
        var latencies = Regex.Matches(v.StandardOutput, @"^> \S+ \S+ \S+ ([0-9.]+)$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000)
            .Order()
            .ToList();
        if (latencies.Count == 0)
        {
            throw new InvalidOperationException($"dnsperf -v gave no latencies: {v.StandardOutput[..Math.Min(500, v.StandardOutput.Length)]}{v.StandardError}");
        }

        Console.WriteLine($"{engine}: {qps:F0} q/s, lost {lost}, avg {avg:F3} ms; at {rate} q/s: {latencies.Count} answers, p50 {Pct(latencies, 0.5):F3} ms, p99 {Pct(latencies, 0.99):F3} ms (load {load:F2})");
        return new Row(engine, qps, lost, avg, Pct(latencies, 0.5), Pct(latencies, 0.99), load, 0);
    }

    private static Process StartDnsmasq(IPEndPoint ep, IReadOnlyList<DnsService> services)
    {
        var psi = new ProcessStartInfo("dnsmasq") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                     $"--listen-address={ep.Address}", $"--port={ep.Port}", "--pid-file=", "--user=root", "--cache-size=1000"])
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var s in services)
        {
            psi.ArgumentList.Add($"--address=/{s.Name}.{s.Namespace}.svc.cluster.local/{s.ClusterIP}");
        }

        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("dnsmasq is missing: run scripts/install-host-packages (Debian dnsmasq-base)", e);
        }

        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitForAnswerAsync(IPEndPoint ep, CancellationToken ct)
    {
        var query = Query(1, "svc0.bench.svc.cluster.local");
        var deadline = Stopwatch.StartNew();
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(ep, ct);
        var buf = new byte[512];
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await s.SendAsync(query, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                if (await s.ReceiveAsync(buf, timeout.Token) > 12 && buf[7] > 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                await Task.Delay(50, ct);
            }
        }

        throw new TimeoutException($"no DNS answer from {ep}");
    }

    /// <summary>A minimal A query (RFC 1035 §4.1) for the readiness probe.</summary>
    private static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        var i = args.ToList().IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record Row(string Engine, double Qps, long Lost, double AvgMs, double P50Ms, double P99Ms, double Load, double CacheHitRatio);
}
