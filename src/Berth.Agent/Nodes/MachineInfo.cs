using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Berth.Agent.Nodes;

/// <summary>
/// Facts about this machine read from the kernel, as cAdvisor and the kubelet read them: CPUs, memory
/// (/proc/meminfo), the data directory's filesystem, kernel and OS image, machine and boot ids, addresses, and the
/// pressure signals behind the node conditions (the kubelet's default hard eviction thresholds:
/// memory.available &lt; 100Mi, nodefs.available &lt; 10%, and PIDs in use above 90% of pid_max).
/// </summary>
internal static class MachineInfo
{
    public static int Cpus => Environment.ProcessorCount;

    public static long MemoryTotalBytes => MemInfo("MemTotal") ?? 0;

    public static long MemoryAvailableBytes => MemInfo("MemAvailable") ?? 0;

    public static (long Total, long Available) Filesystem(string path)
    {
        Directory.CreateDirectory(path);
        var d = new DriveInfo(path);
        return (d.TotalSize, d.AvailableFreeSpace);
    }

    public static string KernelVersion => Read("/proc/sys/kernel/osrelease") ?? "unknown";

    public static string BootId => Read("/proc/sys/kernel/random/boot_id") ?? "";

    public static string MachineId => Read("/etc/machine-id") ?? Read("/var/lib/dbus/machine-id") ?? "";

    public static string SystemUuid => Read("/sys/class/dmi/id/product_uuid") ?? MachineId;

    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        _ => "amd64",
    };

    public static string OsImage
    {
        get
        {
            foreach (var line in File.Exists("/etc/os-release") ? File.ReadLines("/etc/os-release") : [])
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }

            return "Linux";
        }
    }

    /// <summary>The first IPv4 address of an interface that is up, not loopback and not one of Berth's or a veth.</summary>
    public static string InternalIP
    {
        get
        {
            try
            {
                foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                {
                    if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback ||
                        nic.Name.StartsWith("veth", StringComparison.Ordinal) || nic.Name.StartsWith("berth", StringComparison.Ordinal) ||
                        nic.Name.StartsWith("bt-", StringComparison.Ordinal) || nic.Name.StartsWith("cni", StringComparison.Ordinal) ||
                        nic.Name.StartsWith("docker", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    foreach (var a in nic.GetIPProperties().UnicastAddresses)
                    {
                        if (a.Address.AddressFamily == AddressFamily.InterNetwork)
                        {
                            return a.Address.ToString();
                        }
                    }
                }
            }
            catch (NetworkInformationException)
            {
            }

            return "127.0.0.1";
        }
    }

    public static (long InUse, long Max) Pids()
    {
        var max = long.TryParse(Read("/proc/sys/kernel/pid_max"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 32768;
        long inUse = 0;
        try
        {
            inUse = Directory.EnumerateDirectories("/proc").Count(d => char.IsAsciiDigit(Path.GetFileName(d)[0]));
        }
        catch (IOException)
        {
        }

        return (inUse, max);
    }

    private static long? MemInfo(string key)
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
