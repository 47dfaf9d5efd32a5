using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// The build cache: <c>images/cache/KEY.json</c>, one file per filesystem step. A step's key is
/// <c>sha256(parent key, instruction after expansion, inputs hash)</c>, where the parent key chains
/// every earlier instruction (so an ENV change invalidates the RUNs after it) and starts from the
/// base image's manifest digest; the inputs hash covers the content and metadata of COPY/ADD
/// sources and the build arguments a RUN sees. An entry whose layer blob was garbage-collected is a miss.
/// </summary>
public sealed class BuildCache(ImageStore store)
{
    public static string Key(string parentKey, string instruction, string inputsHash)
    {
        // Length-prefixed, so that no field can absorb its neighbour ("a", "b\nc" vs "a\nb", "c").
        var bytes = Encoding.UTF8.GetBytes($"{parentKey.Length}:{parentKey}\n{instruction.Length}:{instruction}\n{inputsHash.Length}:{inputsHash}");
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public BuildCacheEntry? Lookup(string key)
    {
        var path = Path.Combine(store.CacheDir, key + ".json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var entry = JsonSerializer.Deserialize<BuildCacheEntry>(File.ReadAllBytes(path), ImageJson.Options);
            if (entry?.Layer is { } layer && !store.Blobs.Exists(layer.Digest))
            {
                return null;
            }
            return entry;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Store(string key, BuildCacheEntry entry)
    {
        var tmp = store.Blobs.TempPath();
        File.WriteAllBytes(tmp, ImageJson.Serialize(entry));
        File.Move(tmp, Path.Combine(store.CacheDir, key + ".json"), overwrite: true);
    }
}
