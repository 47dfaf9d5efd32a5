using System.Net;
using System.Net.Sockets;

namespace Berth.Runtime.Oci.Tests;

/// <summary>Where the repository is, which host tools exist, free loopback ports.</summary>
internal static class TestEnvironment
{
    public static string RepoRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BERTH_REPO_ROOT") is { Length: > 0 } env)
            {
                return env;
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("cannot find the repository root (Berth.slnx); set BERTH_REPO_ROOT");
        }
    }

    /// <summary>The absolute path of a host tool, or a failure that says how to get it (tests never skip).</summary>
    public static string Require(string tool, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException($"{tool} is not installed: run scripts/install-host-packages (Debian package {package})");
    }

    public static void RequireRoot()
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("this test needs root (mknod, trusted.* xattrs, overlay mounts, runc): run the tests as root");
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
