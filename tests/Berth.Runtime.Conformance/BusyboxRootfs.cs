using Berth.Runtime.Oci.Runtime;

namespace Berth.Runtime.Conformance;

/// <summary>
/// A one-layer root filesystem built from the host's static busybox (Debian busybox-static):
/// /bin/busybox, a symlink per applet, /etc/passwd and /etc/group with root, a user 1000 and nobody.
/// Stands in for an image layer, so the runtime suite needs no image store.
/// </summary>
public static class BusyboxRootfs
{
    public const string BusyboxPath = "/bin/busybox";

    public static async Task BuildAsync(string dir, CancellationToken cancellationToken)
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} is missing: install the Debian package busybox-static (scripts/install-host-packages)");
        }

        var list = await Command.RunAsync(BusyboxPath, ["--list"], cancellationToken);
        if (!list.Ok)
        {
            throw new InvalidOperationException($"busybox --list failed: {list.Message}");
        }

        foreach (var d in new[] { "bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user", "var/www" })
        {
            Directory.CreateDirectory(Path.Combine(dir, d));
        }

        File.Copy(BusyboxPath, Path.Combine(dir, "bin", "busybox"), overwrite: true);
        foreach (var applet in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var link = Path.Combine(dir, "bin", applet);
            if (applet != "busybox" && !File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "etc", "group"), "root:x:0:\nuser:x:1000:\nextra:x:2000:user\nnogroup:x:65534:\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "var", "www", "index.html"), "hello from busybox\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(dir, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        }
    }
}
