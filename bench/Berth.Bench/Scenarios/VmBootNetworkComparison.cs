using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Runtime.Vm;
using Berth.Runtime.Vm.Net;

namespace Berth.Bench.Scenarios;

/// <summary>
/// Bridge vs masquerade (docs/adr/0002-vm-networking.md): the time to wire a pod namespace
/// (median of several fresh namespaces) and, with a booted guest behind each, wrk against the
/// guest's httpd on the pod IP: one connection for latency, eight for throughput.
/// </summary>
internal static partial class VmBootNetworkComparison
{
    public sealed record Result(VmNetworkMode Mode, double SetupMs, double TeardownMs, double P50Ms, double P99Ms, double Rps1, double Rps8);

    public static async Task<Result> MeasureAsync(VmRuntime runtime, VmBootContext ctx, VmNetworkMode mode, CancellationToken cancellationToken)
    {
        var setups = new List<double>();
        var teardowns = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            using var scratch = VmBootPodNetns.Create();
            var net = scratch.ToVmNetwork(mode);
            var sw = Stopwatch.StartNew();
            var state = await PodNetworkSetup.SetupAsync("net-" + i, net, cancellationToken);
            setups.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            await PodNetworkSetup.TeardownAsync(net, state, cancellationToken);
            teardowns.Add(sw.Elapsed.TotalMilliseconds);
        }

        using var pod = VmBootPodNetns.Create();
        var id = "bench-net-" + Guid.NewGuid().ToString("N")[..6];
        await runtime.CreateAsync(new VmSpec
        {
            Id = id,
            Boot = new KernelBoot(ctx.Images.Kernel, ctx.Images.Initrd, VmBootContext.Cmdline),
            MemoryMiB = ctx.MemoryMiB,
            CloudInit = new CloudInitSeed(VmBootContext.UserData),
            Network = pod.ToVmNetwork(mode),
        }, cancellationToken);
        try
        {
            await runtime.StartAsync(id, cancellationToken);
            var url = $"http://{pod.PodIp}/";
            await VmBootShell.WaitHttpAsync(url, ctx.Timeout, cancellationToken);
            var one = Wrk(url, 1);
            var eight = Wrk(url, 8);
            return new Result(mode, Median(setups), Median(teardowns), one.P50Ms, one.P99Ms, one.Rps, eight.Rps);
        }
        finally
        {
            await runtime.DeleteAsync(id, CancellationToken.None);
        }
    }

    private static (double Rps, double P50Ms, double P99Ms) Wrk(string url, int connections)
    {
        var output = VmBootShell.Run("wrk", "-t1", "-c" + connections.ToString(CultureInfo.InvariantCulture), "-d5s", "--latency", url);
        var rps = double.Parse(RpsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return (rps, Percentile(output, "50%"), Percentile(output, "99%"));
    }

    private static double Percentile(string output, string which)
    {
        var m = Regex.Match(output, @"^\s*" + Regex.Escape(which) + @"\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success)
        {
            return double.NaN;
        }

        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RpsLine();
}
