using System.Text.Json;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// The name → digest table (<c>ROOT/refs.json</c>): normalised references
/// (<c>docker.io/library/busybox:latest</c>, <c>registry:5000/x@sha256:…</c>) to the digest of a
/// manifest or index blob. Readers read the file as it is (it is replaced by rename, so it is
/// always whole); writers take <c>ROOT/refs.lock</c> exclusively for read-modify-write.
/// </summary>
public sealed class ReferenceTable(string root)
{
    private readonly string _file = Path.Combine(root, "refs.json");
    private readonly string _lockFile = Path.Combine(root, "refs.lock");
    private readonly string _root = root;

    public IReadOnlyDictionary<string, string> Read()
    {
        try
        {
            var bytes = File.ReadAllBytes(_file);
            return JsonSerializer.Deserialize<SortedDictionary<string, string>>(bytes, ImageJson.Options) ?? [];
        }
        catch (FileNotFoundException)
        {
            return new SortedDictionary<string, string>();
        }
        catch (JsonException e)
        {
            throw new ImageStoreException($"{_file} is corrupt ({e.Message}): restore it or remove it (images are then untagged, blobs stay)", e);
        }
    }

    public string? Lookup(string reference) => Read().TryGetValue(reference, out var d) ? d : null;

    /// <summary>Applies <paramref name="change"/> to the table under the lock and writes it back atomically; returns the change's result.</summary>
    public T Update<T>(Func<SortedDictionary<string, string>, T> change)
    {
        using var lck = StoreLock.Acquire(_lockFile, exclusive: true);
        var table = new SortedDictionary<string, string>(Read().ToDictionary(), StringComparer.Ordinal);
        var result = change(table);
        var tmp = Path.Combine(_root, "tmp", $"refs-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(table, ImageJson.Indented));
        File.Move(tmp, _file, overwrite: true);
        return result;
    }

    /// <summary>Holds the table's lock while <paramref name="action"/> runs (garbage collection decides on a stable table).</summary>
    public T WithLock<T>(Func<IReadOnlyDictionary<string, string>, T> action)
    {
        using var lck = StoreLock.Acquire(_lockFile, exclusive: true);
        return action(Read());
    }
}
