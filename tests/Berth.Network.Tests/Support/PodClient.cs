using System.Diagnostics;

namespace Berth.Network.Tests.Support;

/// <summary>HTTP requests made from inside a pod's netns with busybox wget, with how long they took.</summary>
internal static class PodClient
{
    public static async Task<(bool Ok, string Output, TimeSpan Elapsed)> GetAsync(string netns, string url)
    {
        var sw = Stopwatch.StartNew();
        var r = await NetnsExec.RunAsync(netns, "busybox", "timeout", "5", "busybox", "wget", "-q", "-O", "-", url);
        return (r.Succeeded, (r.StandardOutput + r.StandardError).Trim(), sw.Elapsed);
    }
}
