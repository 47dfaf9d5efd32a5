using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Store;

namespace Berth.Server.Core;

/// <summary>
/// Deletion as Kubernetes does it (apiserver's registry Store.Delete and BeforeDelete):
/// <code>
///   live ──delete──▶ pod on a node with grace &gt; 0 ─▶ deletionTimestamp = now+grace (the agent stops it, then deletes with grace 0)
///        │      └──▶ finalizers present (incl. orphan / foregroundDeletion from the propagation policy,
///        │            a namespace's spec.finalizers) ─▶ deletionTimestamp = now; whoever owns a finalizer removes it;
///        │            the update that removes the last one deletes the object
///        └──────────▶ otherwise removed from the store at once
/// </code>
/// Background propagation (the default) deletes the owner at once and leaves dependents to the
/// garbage collector.
/// </summary>
public sealed class DeletionService(ResourceService resources)
{
    private const int MaxRetries = 16;

    /// <summary>Deletes or starts deleting; returns the object as it is afterwards and whether it is gone from the store.</summary>
    public async Task<(JsonObject Object, bool Gone)> DeleteAsync(ResourceType type, string? ns, string name, DeleteOptions options, CancellationToken ct)
    {
        var key = StoreKeys.Key(type, ns, name);
        var policy = options.PropagationPolicy;
        if (policy is not (null or "" or "Background" or "Foreground" or "Orphan"))
        {
            throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }

        if (options.GracePeriodSeconds < 0)
        {
            throw ApiException.BadRequest("gracePeriodSeconds: Invalid value: must be greater than or equal to 0");
        }

        for (var attempt = 0; ; attempt++)
        {
            var entry = await resources.Store.GetAsync(key, ct) ?? throw ApiException.NotFound(type, name);
            var obj = ObjectCodec.Decode(entry.Value, entry.ModRevision);
            var meta = Json.EnsureObject(obj, "metadata");
            CheckPreconditions(type, name, options, meta);
            try
            {
                var result = await TryDeleteAsync(type, ns, name, options, policy, entry, obj, meta, ct);
                return result;
            }
            catch (RevisionConflictException) when (attempt < MaxRetries)
            {
            }
            catch (RevisionConflictException)
            {
                throw ApiException.StaleResourceVersion(type, name);
            }
        }
    }

    private async Task<(JsonObject Object, bool Gone)> TryDeleteAsync(ResourceType type, string? ns, string name, DeleteOptions options,
        string? policy, StoreEntry entry, JsonObject obj, JsonObject meta, CancellationToken ct)
    {
        var now = resources.Time.GetUtcNow();
        var changed = false;

        if (type.Group.Length == 0 && type.Plural == "pods")
        {
            var grace = options.GracePeriodSeconds ?? Json.Long(obj, "spec", "terminationGracePeriodSeconds") ?? 30;
            var phase = Json.String(obj, "status", "phase");
            if (string.IsNullOrEmpty(Json.String(obj, "spec", "nodeName")) || phase is "Succeeded" or "Failed")
            {
                grace = 0;
            }

            if (grace > 0)
            {
                var current = Json.Long(meta, "deletionGracePeriodSeconds");
                if (meta["deletionTimestamp"] is not null && current is not null && current <= grace)
                {
                    return (obj, false);
                }

                meta["deletionTimestamp"] = ResourceService.Timestamp(now.AddSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                return (await WriteAsync(type, ns, name, entry, obj, options, ct), false);
            }
        }

        var finalizers = Json.Array(meta, "finalizers")?.Select(f => f?.GetValue<string>() ?? "").ToList() ?? [];
        if (policy == "Orphan" && !finalizers.Contains(Finalizers.Orphan))
        {
            finalizers.Add(Finalizers.Orphan);
            finalizers.Remove(Finalizers.Foreground);
            changed = true;
        }
        else if (policy == "Foreground" && !finalizers.Contains(Finalizers.Foreground))
        {
            finalizers.Add(Finalizers.Foreground);
            finalizers.Remove(Finalizers.Orphan);
            changed = true;
        }

        var isNamespace = type.Group.Length == 0 && type.Plural == "namespaces";
        if (finalizers.Count > 0 || ResourceService.HasSpecFinalizers(type, obj))
        {
            if (changed)
            {
                meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
            }

            if (meta["deletionTimestamp"] is null)
            {
                meta["deletionTimestamp"] = ResourceService.Timestamp(now);
                meta["deletionGracePeriodSeconds"] = 0;
                changed = true;
            }

            if (isNamespace && Json.String(obj, "status", "phase") != "Terminating")
            {
                Json.EnsureObject(obj, "status")["phase"] = "Terminating";
                changed = true;
            }

            if (!changed)
            {
                return (obj, false);
            }

            return (await WriteAsync(type, ns, name, entry, obj, options, ct), false);
        }

        if (options.DryRun)
        {
            return (obj, true);
        }

        try
        {
            var (_, revision) = await resources.Store.DeleteAsync(StoreKeys.Key(type, ns, name), entry.ModRevision, ct);
            resources.Namespaces?.Observe(type, name, null, revision);
            meta["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
            return (obj, true);
        }
        catch (KeyNotFoundStoreException)
        {
            throw ApiException.NotFound(type, name);
        }
    }

    private async Task<JsonObject> WriteAsync(ResourceType type, string? ns, string name, StoreEntry entry, JsonObject obj,
        DeleteOptions options, CancellationToken ct)
    {
        // Deletion metadata is server-owned: write it directly, bypassing the update strategy that would restore it.
        if (options.DryRun)
        {
            return obj;
        }

        var bytes = ObjectCodec.Encode(obj);
        try
        {
            var rev = await resources.Store.UpdateAsync(StoreKeys.Key(type, ns, name), bytes, entry.ModRevision, ct);
            resources.Namespaces?.Observe(type, name, bytes, rev);
            Json.EnsureObject(obj, "metadata")["resourceVersion"] = rev.ToString(CultureInfo.InvariantCulture);
            return obj;
        }
        catch (KeyNotFoundStoreException)
        {
            throw ApiException.NotFound(type, name);
        }
    }

    /// <summary>Deletes everything the selectors pick in the scope; returns the objects as they are afterwards.</summary>
    public async Task<IReadOnlyList<JsonObject>> DeleteCollectionAsync(ResourceType type, string? ns, ListOptions listOptions, DeleteOptions options,
        CancellationToken ct)
    {
        var list = await resources.ListAsync(type, ns, listOptions, ct);
        var results = new List<JsonObject>(list.Items.Count);
        foreach (var item in list.Items)
        {
            var itemNs = type.Namespaced ? Json.String(item, "metadata", "namespace") : null;
            try
            {
                var (obj, _) = await DeleteAsync(type, itemNs, Json.String(item, "metadata", "name")!, options, ct);
                results.Add(obj);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }

        return results;
    }

    private static void CheckPreconditions(ResourceType type, string name, DeleteOptions options, JsonObject meta)
    {
        if (options.PreconditionUid is { Length: > 0 } uid && uid != Json.String(meta, "uid"))
        {
            throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.String(meta, "uid")}");
        }

        if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != Json.String(meta, "resourceVersion"))
        {
            throw ApiException.Conflict(type, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Json.String(meta, "resourceVersion")}");
        }
    }
}
