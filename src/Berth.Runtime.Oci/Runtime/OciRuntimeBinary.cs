using System.Text.Json;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// One OCI runtime executable with the CLI that runc and crun share (create/start/state/kill/delete/
/// exec/list) and its own state root. Berth's containers live under <c>/run/berth/{name}</c>, apart
/// from anything else the host runs.
/// </summary>
public sealed class OciRuntimeBinary
{
    public OciRuntimeBinary(string name, string path, string root)
    {
        Name = name;
        Path = path;
        Root = root;
    }

    /// <summary><c>runc</c> or <c>crun</c>.</summary>
    public string Name { get; }

    public string Path { get; }

    /// <summary>The <c>--root</c> state directory.</summary>
    public string Root { get; }

    public static OciRuntimeBinary Runc(string root = "/run/berth/runc") => new("runc", Find("runc") ?? "/usr/sbin/runc", root);

    public static OciRuntimeBinary Crun(string root = "/run/berth/crun") => new("crun", Find("crun") ?? "/usr/bin/crun", root);

    /// <summary>The global arguments every invocation starts with.</summary>
    public IReadOnlyList<string> GlobalArgs => ["--root", Root];

    public Task<CommandResult> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        Command.RunAsync(Path, GlobalArgs.Concat(args), cancellationToken, timeout);

    /// <summary>The runtime's view of one container, or null when it does not know the id.</summary>
    public async Task<RuntimeState?> StateAsync(string id, CancellationToken cancellationToken)
    {
        var r = await RunAsync(["state", id], cancellationToken);
        if (!r.Ok)
        {
            if (IsNotFound(r.Message))
            {
                return null;
            }

            throw new ContainerRuntimeException($"{Name} state {id}: {r.Message}");
        }

        return Parse(JsonDocument.Parse(r.Stdout).RootElement);
    }

    /// <summary>All containers under <see cref="Root"/>.</summary>
    public async Task<IReadOnlyList<RuntimeState>> ListAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var r = await RunAsync(["list", "--format", "json"], cancellationToken);
        if (!r.Ok)
        {
            throw new ContainerRuntimeException($"{Name} list: {r.Message}");
        }

        var text = r.Stdout.Trim();
        if (text.Length == 0 || text == "null")
        {
            return [];
        }

        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.EnumerateArray().Select(Parse).ToList();
    }

    /// <summary>Sends a signal to the container's init process. False when the container is gone or already stopped.</summary>
    public async Task<bool> KillAsync(string id, int signal, CancellationToken cancellationToken)
    {
        var r = await RunAsync(["kill", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);
        return r.Ok;
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        var r = await RunAsync(["start", id], cancellationToken);
        if (!r.Ok)
        {
            throw new ContainerRuntimeException($"{Name} start {id}: {r.Message}");
        }
    }

    /// <summary><c>delete --force</c>: kills what still runs, removes the runtime state and the container's cgroups. Idempotent.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var r = await RunAsync(["delete", "--force", id], cancellationToken);
        if (!r.Ok && !IsNotFound(r.Message) && await StateAsync(id, cancellationToken) is not null)
        {
            throw new ContainerRuntimeException($"{Name} delete {id}: {r.Message}");
        }
    }

    private static bool IsNotFound(string message) =>
        message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || message.Contains("not found", StringComparison.OrdinalIgnoreCase)
        || message.Contains("No such file", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether this runtime can run containers on this host, and why not. crun refuses the hybrid
    /// cgroup layout (cgroup v1 controllers plus /sys/fs/cgroup/unified) unless the hugetlb
    /// controller is mounted as v1 (scripts/install-host-packages does that).
    /// </summary>
    public async Task<RuntimeProbe> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return new RuntimeProbe(false, $"{Path} not found (install the Debian package {Name})", null);
        }

        CommandResult version;
        try
        {
            version = await Command.RunAsync(Path, ["--version"], cancellationToken, TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            return new RuntimeProbe(false, $"{Path} --version failed: {e.Message}", null);
        }

        var firstLine = version.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
        if (!version.Ok)
        {
            return new RuntimeProbe(false, $"{Path} --version: {version.Message}", null);
        }

        if (!IsRoot())
        {
            return new RuntimeProbe(false, "Berth runs containers as root (rootless is not supported)", firstLine);
        }

        if (Name == "crun" && Cgroups.IsHybrid() && !Cgroups.IsV1ControllerMounted("hugetlb"))
        {
            return new RuntimeProbe(false,
                "crun refuses this host's hybrid cgroup layout unless hugetlb is mounted as cgroup v1: mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb (scripts/install-host-packages does it)",
                firstLine);
        }

        return new RuntimeProbe(true, null, firstLine);
    }

    private static bool IsRoot()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                return line.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2) == "0";
            }
        }

        return false;
    }

    private static RuntimeState Parse(JsonElement e) => new(
        e.GetProperty("id").GetString() ?? "",
        e.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "",
        e.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0,
        e.TryGetProperty("bundle", out var b) ? b.GetString() ?? "" : "");

    private static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
