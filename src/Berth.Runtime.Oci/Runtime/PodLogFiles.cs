using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// The kubelet's log layout, which Berth keeps so that a restarted container's previous log stays
/// readable (<c>kubectl logs --previous</c>): <c>LOGROOT/NAMESPACE_POD_UID/CONTAINER/RESTARTCOUNT.log</c>.
/// The agent passes <see cref="PathFor"/> as <see cref="ContainerSpec.LogPath"/> of each new instance and
/// calls <see cref="Prune"/> to keep only the current and the previous one, as the kubelet does.
/// </summary>
public static class PodLogFiles
{
    public static string PodDirectory(string logRoot, string @namespace, string pod, string uid) =>
        Path.Combine(logRoot, $"{@namespace}_{pod}_{uid}");

    public static string PathFor(string podDirectory, string container, int restartCount) =>
        Path.Combine(podDirectory, container, restartCount.ToString(CultureInfo.InvariantCulture) + ".log");

    /// <summary>The newest log older than <paramref name="currentRestartCount"/>, or null.</summary>
    public static string? Previous(string podDirectory, string container, int currentRestartCount) =>
        Numbered(podDirectory, container).Where(n => n.Count < currentRestartCount).OrderByDescending(n => n.Count).Select(n => n.Path).FirstOrDefault();

    /// <summary>Removes every log of the container older than the previous one.</summary>
    public static void Prune(string podDirectory, string container, int currentRestartCount)
    {
        var previous = Previous(podDirectory, container, currentRestartCount);
        foreach (var (count, path) in Numbered(podDirectory, container))
        {
            if (count < currentRestartCount && path != previous)
            {
                File.Delete(path);
            }
        }
    }

    private static IEnumerable<(int Count, string Path)> Numbered(string podDirectory, string container)
    {
        var dir = Path.Combine(podDirectory, container);
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(dir, "*.log"))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                yield return (n, file);
            }
        }
    }
}
