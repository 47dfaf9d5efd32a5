using System.Text.Json;
using Berth.Runtime.Oci.Images;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// What Berth persists about one container in <c>DATA_DIR/containers/ID/berth.json</c>, next to the
/// OCI bundle. With conmon's files beside it (pid files, exit file, oom file) this is all a new agent
/// process needs to adopt the container. Written atomically (temp file + rename).
/// </summary>
internal sealed record ContainerRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? SandboxId { get; init; }

    /// <summary>runc or crun: the runtime that created it (a node does not switch runtimes under a running container).</summary>
    public required string Runtime { get; init; }

    public required string LogPath { get; init; }

    public required string CgroupsPath { get; init; }

    public Dictionary<string, string> Annotations { get; set; } = [];

    public bool Tty { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public int? ConmonPid { get; init; }

    public ulong? ConmonStartTime { get; init; }

    public int? Pid { get; init; }

    public ulong? PidStartTime { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Set once the exit has been observed, so the status stays the same after the cgroup and runtime state are gone.</summary>
    public int? ExitCode { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool OomKilled { get; init; }

    public string? ExitReason { get; init; }

    public string? ExitMessage { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = OciJsonContext.Default,
    };

    public static ContainerRecord? Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ContainerRecord>(File.ReadAllText(path), Json);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(string path)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }
}
