using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run images [--layer-mb N] [--runs N]</c>: the image path without the internet, in one
/// warm process: build an image (FROM scratch, one COPY of N MB of random bytes + one small COPY),
/// rebuild it from the cache, push it to Debian's docker-registry on a loopback port, then pull it
/// into a fresh store <c>--runs</c> times (download + verify + unpack) and resolve it. Random bytes
/// do not compress, so the layer on the wire is N MB. Medians are reported.
/// </summary>
public sealed class ImagesScenario : IScenario
{
    public string Name => "images";

    public string Description => "image build, cached rebuild, push and pull+unpack against a local docker-registry (--layer-mb N --runs N)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var layerMb = 16;
        var runs = 5;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--layer-mb": layerMb = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"images: unknown option {args[i]}");
                    return 2;
            }
        }
        var root = Path.Combine(Path.GetTempPath(), $"berth-bench-images-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        Process? registry = null;
        try
        {
            var port = FreePort();
            registry = await StartRegistryAsync(root, port, cancellationToken);
            var context = Path.Combine(root, "ctx");
            Directory.CreateDirectory(context);
            await File.WriteAllBytesAsync(Path.Combine(context, "payload.bin"), RandomNumberGenerator.GetBytes(layerMb << 20), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(context, "hello.txt"), "hello", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), "FROM scratch\nCOPY payload.bin /data/\nCOPY hello.txt /etc/\nCMD [\"/x\"]\n", cancellationToken);

            var store = new ImageStore(Path.Combine(root, "src"));
            var builder = new ImageBuilder(store);
            var options = new BuildOptions(context, null, ["bench:1"], new Dictionary<string, string>());
            var build = await builder.BuildAsync(options, TextWriter.Null, cancellationToken);
            var cached = new List<double>();
            for (var r = 0; r < runs; r++)
            {
                cached.Add((await builder.BuildAsync(options, TextWriter.Null, cancellationToken)).Elapsed.TotalMilliseconds);
            }
            var target = $"127.0.0.1:{port}/bench:1";
            var clock = Stopwatch.StartNew();
            await new ImagePusher(store, new RegistryOptions()).PushAsync("bench:1", target, null, cancellationToken);
            var pushMs = clock.Elapsed.TotalMilliseconds;

            var pulls = new List<double>();
            var resolves = new List<double>();
            for (var r = 0; r <= runs; r++)
            {
                var fresh = new ImageStore(Path.Combine(root, $"pull{r}"));
                clock.Restart();
                await new ImagePuller(fresh, new RegistryOptions()).PullAsync(target, null, cancellationToken);
                var pull = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                fresh.Resolve(target);
                var resolve = clock.Elapsed.TotalMilliseconds;
                if (r > 0)
                {
                    pulls.Add(pull);
                    resolves.Add(resolve);
                }
                ImageStore.RemoveTree(Path.Combine(root, $"pull{r}"));
            }

            var buildMs = build.Elapsed.TotalMilliseconds;
            var pullMs = Median(pulls);
            Console.WriteLine($"images: {layerMb} MiB layer (incompressible), {runs} runs, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine($"{"step",-34} {"ms",10}");
            Console.WriteLine($"{"build (cold, first in process)",-34} {buildMs,10:F0}");
            Console.WriteLine($"{"build, all steps cached (median)",-34} {Median(cached),10:F1}");
            Console.WriteLine($"{"push to docker-registry",-34} {pushMs,10:F0}");
            Console.WriteLine($"{"pull + verify + unpack (median)",-34} {pullMs,10:F0}   ({layerMb / (pullMs / 1000):F0} MiB/s)");
            Console.WriteLine($"{"resolve after pull (median)",-34} {Median(resolves),10:F2}");
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["scenario"] = "images",
                ["layerMb"] = layerMb,
                ["buildMs"] = Math.Round(buildMs, 1),
                ["cachedBuildMs"] = Math.Round(Median(cached), 1),
                ["pushMs"] = Math.Round(pushMs, 1),
                ["pullUnpackMs"] = Math.Round(pullMs, 1),
                ["resolveMs"] = Math.Round(Median(resolves), 2),
            }));
            return 0;
        }
        finally
        {
            if (registry is { HasExited: false })
            {
                registry.Kill(entireProcessTree: true);
                await registry.WaitForExitAsync(CancellationToken.None);
            }
            registry?.Dispose();
            ImageStore.RemoveTree(root);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<Process> StartRegistryAsync(string root, int port, CancellationToken ct)
    {
        var config = Path.Combine(root, "registry.yml");
        await File.WriteAllTextAsync(config, $"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}/registry\nhttp:\n  addr: 127.0.0.1:{port}\n", ct);
        var psi = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec docker-registry serve \"$0\" </dev/null >\"$1\" 2>&1", config, Path.Combine(root, "registry.log") } };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start docker-registry (apt-get install docker-registry)");
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                using var r = await http.GetAsync($"http://127.0.0.1:{port}/v2/", ct);
                if (r.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited)
            {
                break;
            }
            await Task.Delay(50, ct);
        }
        process.Kill(true);
        throw new InvalidOperationException($"docker-registry did not start: {File.ReadAllText(Path.Combine(root, "registry.log"))}");
    }
}
