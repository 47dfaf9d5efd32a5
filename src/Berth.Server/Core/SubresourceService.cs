using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>
/// The subresources that are views of their parent: <c>/scale</c> (an <c>autoscaling/v1 Scale</c>
/// over <c>spec.replicas</c>, which <c>kubectl scale</c> patches) and <c>pods/binding</c> (the
/// scheduler's assignment of a pod to a node, which also records <c>PodScheduled=True</c>).
/// </summary>
public sealed class SubresourceService(ResourceService resources, PatchApplier patcher)
{
    public async Task<JsonObject> GetScaleAsync(ResourceType type, string? ns, string name, CancellationToken ct) =>
        ToScale(await resources.GetAsync(type, ns, name, ct));

    /// <summary>Writes <c>spec.replicas</c> from a Scale object; a stale resourceVersion in it gets 409.</summary>
    public async Task<JsonObject> UpdateScaleAsync(ResourceType type, string? ns, string name, JsonObject scale, bool dryRun, CancellationToken ct)
    {
        var replicas = Json.Long(scale, "spec", "replicas");
        if (replicas is null or < 0)
        {
            throw ApiException.Invalid(ScaleType(type), name, [StatusCause.Invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
        }

        var precondition = Json.String(scale, "metadata", "resourceVersion");
        var updated = await resources.GuaranteedUpdateAsync(type, ns, name, null, obj =>
        {
            if (!string.IsNullOrEmpty(precondition) && precondition != Json.String(obj, "metadata", "resourceVersion"))
            {
                throw ApiException.StaleResourceVersion(type, name);
            }

            Json.EnsureObject(obj, "spec")["replicas"] = replicas.Value;
            return obj;
        }, dryRun, ct);
        return ToScale(updated);
    }

    /// <summary>Patches the Scale view, then writes its replicas back.</summary>
    public async Task<JsonObject> PatchScaleAsync(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, bool dryRun,
        CancellationToken ct)
    {
        var scale = await GetScaleAsync(type, ns, name, ct);
        var scaleType = ScaleType(type);
        var patched = patcher.Apply(scaleType, scale, patchType, patch);
        return await UpdateScaleAsync(type, ns, name, patched, dryRun, ct);
    }

    /// <summary>Binds a pod to a node: 409 when it is already bound elsewhere.</summary>
    public async Task<JsonObject> BindAsync(ResourceType podType, string ns, string name, JsonObject binding, CancellationToken ct)
    {
        var node = Json.String(binding, "target", "name");
        if (string.IsNullOrEmpty(node))
        {
            throw ApiException.Invalid(podType, name, [StatusCause.Required("target.name")]);
        }

        if (Json.String(binding, "target", "kind") is { Length: > 0 } kind && kind != "Node")
        {
            throw ApiException.Invalid(podType, name, [StatusCause.NotSupported("target.kind", kind, ["Node"])]);
        }

        var uid = Json.String(binding, "metadata", "uid");
        var now = ResourceService.Timestamp(resources.Time.GetUtcNow());
        await resources.GuaranteedUpdateAsync(podType, ns, name, "binding", pod =>
        {
            if (uid is { Length: > 0 } && uid != Json.String(pod, "metadata", "uid"))
            {
                throw ApiException.Conflict(podType, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.String(pod, "metadata", "uid")}");
            }

            if (Json.String(pod, "metadata", "deletionTimestamp") is not null)
            {
                throw ApiException.Conflict(podType, name, "pod is being deleted, cannot be assigned to a host");
            }

            var current = Json.String(pod, "spec", "nodeName");
            if (!string.IsNullOrEmpty(current))
            {
                throw ApiException.Conflict(podType, name, $"pod {name} is already assigned to node \"{current}\"");
            }

            Json.EnsureObject(pod, "spec")["nodeName"] = node;
            return pod;
        }, dryRun: false, ct);

        // The binding also records PodScheduled=True in status, as the API server's binding REST does.
        return await resources.GuaranteedUpdateAsync(podType, ns, name, "status", pod =>
        {
            var status = Json.EnsureObject(pod, "status");
            var conditions = status["conditions"] as JsonArray ?? [];
            status["conditions"] = conditions;
            var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "PodScheduled");
            if (existing is null)
            {
                existing = new JsonObject { ["type"] = "PodScheduled" };
                conditions.Add(existing);
            }

            existing["status"] = "True";
            existing["lastProbeTime"] = null;
            existing["lastTransitionTime"] = now;
            existing.Remove("reason");
            existing.Remove("message");
            return pod;
        }, dryRun: false, ct);
    }

    private static JsonObject ToScale(JsonObject obj)
    {
        var meta = Json.Object(obj, "metadata");
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = Json.String(meta, "name"),
                ["namespace"] = Json.String(meta, "namespace"),
                ["uid"] = Json.String(meta, "uid"),
                ["resourceVersion"] = Json.String(meta, "resourceVersion"),
                ["creationTimestamp"] = Json.String(meta, "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = Json.Long(obj, "spec", "replicas") ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = Json.Long(obj, "status", "replicas") ?? 0,
                ["selector"] = SelectorString(Json.Object(obj, "spec", "selector")),
            },
        };
    }

    /// <summary>A label selector object in its string form (<c>app=web,tier in (a,b)</c>), as Scale.status.selector carries it.</summary>
    public static string SelectorString(JsonObject? selector)
    {
        if (selector is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (Json.Object(selector, "matchLabels") is { } labels)
        {
            parts.AddRange(labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value?.GetValue<string>()}"));
        }

        foreach (var e in Json.Array(selector, "matchExpressions")?.OfType<JsonObject>() ?? [])
        {
            var key = Json.String(e, "key");
            var values = string.Join(",", (Json.Array(e, "values") ?? []).Select(v => v?.GetValue<string>() ?? "").Order(StringComparer.Ordinal));
            parts.Add(Json.String(e, "operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key ?? "",
                "DoesNotExist" => $"!{key}",
                _ => "",
            });
        }

        return string.Join(",", parts.Where(p => p.Length > 0));
    }

    private static ResourceType ScaleType(ResourceType parent) => new()
    {
        Group = "autoscaling",
        Version = "v1",
        Kind = "Scale",
        Plural = parent.Plural,
        Singular = "scale",
        Namespaced = parent.Namespaced,
    };
}
