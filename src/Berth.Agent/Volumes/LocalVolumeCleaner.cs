using Berth.Agent.Pods;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Volumes;

/// <summary>
/// Removes the directories of Berth's local volumes whose PersistentVolume is gone (the provisioner's "delete" half,
/// done on the node that holds the data): at start and every <see cref="Interval"/>, the directories
/// <c>DATA_DIR/volumes/pvc-*</c> are listed first, then the PersistentVolumes; a directory is removed when no PV of its
/// name exists and no pod on this node records it in <c>PODDIR/claims/</c> (Berth has no pvc-protection finalizer
/// yet, so a claim deleted under a running pod keeps its data until the pod is gone). Listing directories before PVs
/// makes a volume provisioned meanwhile safe: its PV exists before its directory.
/// </summary>
public sealed partial class LocalVolumeCleaner(IApiClient api, AgentOptions options, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ResourceType _volumes = ResourceRegistry.Default.Find("", "v1", "persistentvolumes")!;

    public string VolumesDir => Path.Combine(options.DataDir, "volumes");

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await CleanAsync(ct);
                }
                catch (Exception e) when (e is ApiException or IOException or HttpRequestException or UnauthorizedAccessException)
                {
                    CleanFailed(logger, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass; returns the directories removed.</summary>
    public async Task<IReadOnlyList<string>> CleanAsync(CancellationToken ct)
    {
        if (!Directory.Exists(VolumesDir))
        {
            return [];
        }

        var candidates = Directory.EnumerateDirectories(VolumesDir, "pvc-*").ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        var list = await api.ListAsync(_volumes, null, new ListOptions(), ct);
        var existing = list.Items.Select(v => Json.String(v, "metadata", "name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var used = InUse();
        var removed = new List<string>();
        foreach (var dir in candidates)
        {
            if (existing.Contains(Path.GetFileName(dir)) || used.Contains(Path.GetFullPath(dir)))
            {
                continue;
            }

            Directory.Delete(dir, recursive: true);
            Removed(logger, dir);
            removed.Add(dir);
        }

        return removed;
    }

    private HashSet<string> InUse()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(options.PodsDir))
        {
            return used;
        }

        foreach (var pod in Directory.EnumerateDirectories(options.PodsDir))
        {
            var claims = Path.Combine(pod, VolumeBuilder.ClaimsDir);
            if (!Directory.Exists(claims))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(claims))
            {
                used.Add(Path.GetFullPath(File.ReadAllText(file).Trim()));
            }
        }

        return used;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Removed local volume directory {Path}: its PersistentVolume is gone")]
    private static partial void Removed(ILogger logger, string path);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Local volume clean-up failed: {Reason}")]
    private static partial void CleanFailed(ILogger logger, string reason);
}
