using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>The image as it stands after each instruction of a build.</summary>
internal sealed class BuildState
{
    public List<OciDescriptor> Layers { get; } = [];
    public List<string> DiffIds { get; } = [];
    public List<HistoryEntry> History { get; } = [];
    public List<string> Env { get; } = [];
    public Dictionary<string, string> Args { get; } = [];
    public Dictionary<string, string> Labels { get; } = [];
    public SortedSet<string> ExposedPorts { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> Volumes { get; } = new(StringComparer.Ordinal);
    public List<string>? Entrypoint { get; set; }
    public List<string>? Cmd { get; set; }

    /// <summary>CMD was set by this Containerfile (so a later ENTRYPOINT keeps it).</summary>
    public bool CmdSet { get; set; }
    public string? User { get; set; }
    public string? WorkingDir { get; set; }
    public string? StopSignal { get; set; }
    public string? Author { get; set; }

    /// <summary>The chained cache key of everything so far.</summary>
    public string Key { get; set; } = "";

    /// <summary>Build args and environment for variable expansion; the environment wins, as in Docker.</summary>
    public Dictionary<string, string> Variables()
    {
        var vars = new Dictionary<string, string>(Args);
        foreach (var e in Env)
        {
            var eq = e.IndexOf('=');
            if (eq > 0)
            {
                vars[e[..eq]] = e[(eq + 1)..];
            }
        }
        return vars;
    }

    public void SetEnv(string name, string value)
    {
        Env.RemoveAll(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        Env.Add($"{name}={value}");
    }

    public void LoadFrom(OciImageConfig config, OciManifest manifest)
    {
        Layers.AddRange(manifest.Layers);
        DiffIds.AddRange(config.RootFs.DiffIds);
        History.AddRange(config.History ?? []);
        var c = config.Config ?? new ContainerConfig();
        Env.AddRange(c.Env ?? []);
        foreach (var (k, v) in c.Labels ?? [])
        {
            Labels[k] = v;
        }
        foreach (var p in c.ExposedPorts?.Keys ?? Enumerable.Empty<string>())
        {
            ExposedPorts.Add(p);
        }
        foreach (var v in c.Volumes?.Keys ?? Enumerable.Empty<string>())
        {
            Volumes.Add(v);
        }
        Entrypoint = c.Entrypoint;
        Cmd = c.Cmd;
        User = c.User;
        WorkingDir = c.WorkingDir;
        StopSignal = c.StopSignal;
    }

    public OciImageConfig ToConfig(DateTimeOffset created) => new()
    {
        Created = created,
        Author = Author,
        Architecture = "amd64",
        Os = "linux",
        Config = new ContainerConfig
        {
            User = string.IsNullOrEmpty(User) ? null : User,
            Env = Env.Count == 0 ? null : [.. Env],
            Entrypoint = Entrypoint,
            Cmd = Cmd,
            WorkingDir = string.IsNullOrEmpty(WorkingDir) ? null : WorkingDir,
            Labels = Labels.Count == 0 ? null : new Dictionary<string, string>(Labels),
            ExposedPorts = ExposedPorts.Count == 0 ? null : ExposedPorts.ToDictionary(p => p, _ => new EmptyObject()),
            Volumes = Volumes.Count == 0 ? null : Volumes.ToDictionary(p => p, _ => new EmptyObject()),
            StopSignal = StopSignal,
        },
        RootFs = new RootFs { DiffIds = [.. DiffIds] },
        History = [.. History],
    };
}
