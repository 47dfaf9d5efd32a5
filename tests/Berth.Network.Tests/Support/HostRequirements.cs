namespace Berth.Network.Tests.Support;

/// <summary>Fails (never skips) an integration test whose host tools are missing, saying what to install.</summary>
internal static class HostRequirements
{
    public static void Require(params string[] tools)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("network integration tests create netns, bridges and iptables rules: run them as root");
        }

        foreach (var t in tools)
        {
            var found = t.StartsWith('/')
                ? File.Exists(t)
                : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, t)));
            if (!found)
            {
                throw new InvalidOperationException($"'{t}' is missing: run scripts/install-host-packages (Debian packages containernetworking-plugins, iproute2, iptables, nftables, busybox-static, wrk, dnsperf)");
            }
        }
    }
}
