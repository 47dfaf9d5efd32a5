using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Network.Pods;

/// <summary>One JSON file per pod UID, written atomically (temp file, fsync, rename) so a crash leaves either the
/// old or the new record.</summary>
internal sealed class PodNetworkRecordStore(string directory)
{
    private static JsonSerializerOptions JsonOptions => PodNetworkJsonContext.Default.Options;

    public string Directory { get; } = directory;

    public PodNetworkRecord? Load(string podUid)
    {
        var path = PathOf(podUid);
        if (!File.Exists(path))
        {
            return null;
        }

        return JsonSerializer.Deserialize<PodNetworkRecord>(File.ReadAllText(path), JsonOptions);
    }

    public IReadOnlyList<PodNetworkRecord> LoadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var list = new List<PodNetworkRecord>();
        foreach (var f in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<PodNetworkRecord>(File.ReadAllText(f), JsonOptions) is { } r)
                {
                    list.Add(r);
                }
            }
            catch (FileNotFoundException)
            {
                // Removed by a concurrent teardown.
            }
        }

        return list;
    }

    public void Save(PodNetworkRecord record)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(record.PodUid);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(fs, record, JsonOptions);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    public void Delete(string podUid) => File.Delete(PathOf(podUid));

    private string PathOf(string podUid)
    {
        if (podUid.Length == 0 || podUid.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            throw new ArgumentException($"pod UID '{podUid}' must be letters, digits and dashes", nameof(podUid));
        }

        return Path.Combine(Directory, podUid + ".json");
    }
}

/// <summary>Source-generated JSON for the pod network records: indented, enums as strings.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PodNetworkRecord))]
internal sealed partial class PodNetworkJsonContext : JsonSerializerContext;
