using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// Typed models (<c>k8s.Models</c>) of cached objects, converted once per resourceVersion: the scheduler needs
/// <c>V1Pod</c>/<c>V1Node</c> for every object of its snapshot, and most do not change between batches.
/// </summary>
public sealed class TypedCache<T>
    where T : class
{
    private readonly ConcurrentDictionary<string, (string Version, T Value)> _items = new(StringComparer.Ordinal);

    public T Get(JsonObject obj)
    {
        var key = Meta.Key(obj);
        var rv = Json.String(obj, "metadata", "resourceVersion") ?? "";
        if (_items.TryGetValue(key, out var hit) && hit.Version == rv && rv.Length > 0)
        {
            return hit.Value;
        }

        var value = k8s.KubernetesJson.Deserialize<T>(obj.ToJsonString());
        _items[key] = (rv, value);
        return value;
    }

    public void Forget(JsonObject obj) => _items.TryRemove(Meta.Key(obj), out _);
}
