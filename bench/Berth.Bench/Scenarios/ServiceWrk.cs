using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Network.Host;

namespace Berth.Bench.Scenarios;

/// <summary>Runs Debian's <c>wrk</c> (optionally inside a netns) and reads requests/s and the latency percentiles.</summary>
public static partial class ServiceWrk
{
    public sealed record Result(double RequestsPerSecond, double P50Ms, double P99Ms);

    public static async Task<Result> RunAsync(string? netns, string url, int seconds, int connections, CancellationToken ct)
    {
        string[] wrk = ["wrk", "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", url];
        var r = netns is null
            ? await HostCommand.RunAsync(wrk[0], wrk[1..], cancellationToken: ct)
            : await HostCommand.RunAsync("ip", ["netns", "exec", netns, .. wrk], cancellationToken: ct);
        if (!r.Succeeded || r.StandardOutput.Contains("Socket errors", StringComparison.Ordinal) && !r.StandardOutput.Contains("Requests/sec", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"wrk {url} failed: {r.StandardOutput}{r.StandardError}");
        }

        var rps = double.Parse(Rps().Match(r.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        return new Result(rps, Percentile(r.StandardOutput, "50%"), Percentile(r.StandardOutput, "99%"));
    }

    private static double Percentile(string output, string label)
    {
        var m = Regex.Match(output, $@"^\s*{Regex.Escape(label)}\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success)
        {
            throw new FormatException($"no {label} latency in wrk output: {output}");
        }

        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex Rps();
}
