using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Store;

namespace Berth.Server.Core;

/// <summary>
/// The API's verbs over the store, independent of HTTP: what
/// k8s.io/apiserver/pkg/registry/generic/registry.Store does. Create and update run the kind's
/// <see cref="IResourceStrategy"/> (prepare → default → validate), set server-owned metadata,
/// and write with compare-and-swap on the store revision. HTTP handlers and the in-process API
/// client both call this class, so both behave the same.
/// </summary>
public sealed class ResourceService(IStore store, ResourceRegistry registry, TimeProvider time, PatchApplier patcher, ObjectFilterFactory filters)
{
    private const int MaxInternalRetries = 16;
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int MaxGenerateNameAttempts = 8;

    public IStore Store { get; } = store;

    public ResourceRegistry Registry { get; } = registry;

    public TimeProvider Time { get; } = time;

    public ObjectFilterFactory Filters { get; } = filters;

    /// <summary>Allocates Service cluster IPs and node ports on create (set once at start-up).</summary>
    public ServiceAllocator? Allocator { get; set; }

    /// <summary>The namespaces' lifecycle from a watch-fed cache (null: every create reads its namespace from the store).</summary>
    public NamespaceCache? Namespaces { get; set; }

    /// <summary>
    /// Draws the 5-character suffix for a <c>metadata.generateName</c> prefix (random; replaceable so that tests can force
    /// collisions for their own prefix while the controllers keep drawing for theirs).
    /// </summary>
    public Func<string, string> GenerateNameSuffix { get; set; } = RandomSuffix;

    /// <summary>Reads one object.</summary>
    public async Task<JsonObject> GetAsync(ResourceType type, string? ns, string name, CancellationToken ct)
    {
        var entry = await Store.GetAsync(StoreKeys.Key(type, ns, name), ct) ?? throw ApiException.NotFound(type, name);
        return ObjectCodec.Decode(entry.Value, entry.ModRevision);
    }

    /// <summary>Reads one object's stored bytes and revision (for writing it without parsing).</summary>
    public async Task<StoreEntry> GetRawAsync(ResourceType type, string? ns, string name, CancellationToken ct) =>
        await Store.GetAsync(StoreKeys.Key(type, ns, name), ct) ?? throw ApiException.NotFound(type, name);

    /// <summary>Lists the raw entries under the request's scope at the requested revision, unfiltered.</summary>
    public async Task<StoreList> ListRawAsync(ResourceType type, string? ns, ListOptions options, CancellationToken ct)
    {
        long revision = 0;
        var requested = ParseResourceVersion(options.ResourceVersion);
        if (options.ResourceVersionMatch == "Exact")
        {
            revision = requested;
        }
        else if (options.ResourceVersionMatch is { Length: > 0 } m && m != "NotOlderThan")
        {
            throw ApiException.BadRequest($"resourceVersionMatch: Unsupported value: \"{m}\": supported values: \"Exact\", \"NotOlderThan\"");
        }

        try
        {
            return await Store.ListAsync(StoreKeys.Prefix(type, ns), revision, ct);
        }
        catch (CompactedException e)
        {
            throw ApiException.Expired($"too old resource version: {revision} ({e.CompactRevision + 1})");
        }
        catch (FutureRevisionException e)
        {
            throw ApiException.Timeout($"Too large resource version: {e.Requested}, current: {e.Current}");
        }
    }

    /// <summary>Lists and filters by label and field selectors, returning parsed objects.</summary>
    public async Task<ObjectList> ListAsync(ResourceType type, string? ns, ListOptions options, CancellationToken ct)
    {
        var filter = Filters.Create(type, options.LabelSelector, options.FieldSelector);
        var list = await ListRawAsync(type, ns, options, ct);
        var items = new List<JsonObject>(list.Entries.Count);
        foreach (var e in list.Entries)
        {
            if (filter.MatchesStored(e.Value))
            {
                items.Add(ObjectCodec.Decode(e.Value, e.ModRevision));
            }
        }

        return new ObjectList(items, list.Revision.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Creates an object: the <c>POST</c> of a collection.</summary>
    public async Task<JsonObject> CreateAsync(ResourceType type, string? ns, JsonObject obj, bool dryRun, CancellationToken ct)
    {
        CheckTypeMeta(type, obj);
        TypedShape.Check(type, obj);
        var meta = Json.EnsureObject(obj, "metadata");
        if (type.Namespaced)
        {
            var objNs = Json.String(meta, "namespace");
            if (ns is null)
            {
                throw ApiException.BadRequest("a namespace is required to create a namespaced object: use /namespaces/{namespace}/" + type.Plural);
            }

            if (!string.IsNullOrEmpty(objNs) && objNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        if (Json.String(meta, "resourceVersion") is { Length: > 0 })
        {
            throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var generatedFrom = string.IsNullOrEmpty(Json.String(meta, "name")) ? Json.String(meta, "generateName") : null;
        if (generatedFrom is { Length: > 0 })
        {
            meta["name"] = generatedFrom + GenerateNameSuffix(generatedFrom);
        }

        var name = Json.String(meta, "name") ?? "";
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Timestamp(Time.GetUtcNow());
        meta["generation"] = 1;
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");

        type.Strategy.PrepareForCreate(obj);
        type.Strategy.ApplyDefaults(obj);
        if (type.Group.Length == 0 && type.Plural == "persistentvolumeclaims")
        {
            await DefaultStorageClassAsync(obj, ct);
        }

        using var allocation = IsServices(type) && Allocator is not null ? await Allocator.AllocateAsync(type, obj, ct) : null;
        var causes = type.Strategy.Validate(obj);
        if (causes.Count > 0)
        {
            throw ApiException.Invalid(type, name, causes);
        }

        if (type.Namespaced)
        {
            await CheckNamespaceAcceptsAsync(type, ns!, name, ct);
        }

        if (dryRun)
        {
            return obj;
        }

        // A generated name that collides is drawn again, as kube-apiserver does since RetryGenerateName
        // (GA in 1.32: up to 8 attempts) instead of answering 409 for a name the client never chose.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var revision = await Store.CreateAsync(StoreKeys.Key(type, ns, name), ObjectCodec.Encode(obj), ct);
                meta["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
                return obj;
            }
            catch (KeyExistsException) when (generatedFrom is { Length: > 0 } && attempt < MaxGenerateNameAttempts)
            {
                name = generatedFrom + GenerateNameSuffix(generatedFrom);
                meta["name"] = name;
            }
            catch (KeyExistsException)
            {
                throw ApiException.AlreadyExists(type, name);
            }
        }
    }

    /// <summary>
    /// Replaces an object (<c>PUT</c>), or its status when <paramref name="subresource"/> is "status".
    /// With <c>metadata.resourceVersion</c> set the write is compare-and-swap (409 Conflict when stale);
    /// without it the write is unconditional, as Kubernetes allows for most kinds.
    /// </summary>
    public async Task<JsonObject> UpdateAsync(ResourceType type, string? ns, string name, JsonObject obj, string? subresource, bool dryRun, CancellationToken ct)
    {
        CheckTypeMeta(type, obj);
        var meta = Json.EnsureObject(obj, "metadata");
        var objName = Json.String(meta, "name");
        if (!string.IsNullOrEmpty(objName) && objName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({objName}) does not match the name on the URL ({name})");
        }

        meta["name"] = name;
        if (type.Namespaced)
        {
            var objNs = Json.String(meta, "namespace");
            if (!string.IsNullOrEmpty(objNs) && objNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }

        var requested = Json.String(meta, "resourceVersion");
        var key = StoreKeys.Key(type, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var entry = await Store.GetAsync(key, ct);
            if (entry is null)
            {
                if (subresource is null && AllowsCreateOnUpdate(type))
                {
                    meta.Remove("resourceVersion");
                    return await CreateAsync(type, ns, obj, dryRun, ct);
                }

                throw ApiException.NotFound(type, name);
            }

            if (!string.IsNullOrEmpty(requested) && requested != entry.ModRevision.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiException.StaleResourceVersion(type, name);
            }

            var old = ObjectCodec.Decode(entry.Value, entry.ModRevision);
            var candidate = attempt == 0 ? obj : (JsonObject)obj.DeepClone();
            try
            {
                return await WriteUpdateAsync(type, ns, name, old, entry, candidate, subresource, dryRun, ct);
            }
            catch (RevisionConflictException) when (string.IsNullOrEmpty(requested) && attempt < MaxInternalRetries)
            {
                // Unconditional update raced with another writer: re-read and apply again.
            }
            catch (RevisionConflictException)
            {
                throw ApiException.StaleResourceVersion(type, name);
            }
        }
    }

    /// <summary>
    /// Reads, transforms and writes an object with compare-and-swap, retrying on conflicts
    /// (apiserver's GuaranteedUpdate). <paramref name="mutate"/> gets a private copy and may throw
    /// <see cref="ApiException"/>; returning null leaves the object as it is.
    /// </summary>
    public async Task<JsonObject> GuaranteedUpdateAsync(ResourceType type, string? ns, string name, string? subresource,
        Func<JsonObject, JsonObject?> mutate, bool dryRun, CancellationToken ct)
    {
        var key = StoreKeys.Key(type, ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var entry = await Store.GetAsync(key, ct) ?? throw ApiException.NotFound(type, name);
            var old = ObjectCodec.Decode(entry.Value, entry.ModRevision);
            var updated = mutate((JsonObject)old.DeepClone());
            if (updated is null)
            {
                return old;
            }

            try
            {
                return await WriteUpdateAsync(type, ns, name, old, entry, updated, subresource, dryRun, ct);
            }
            catch (RevisionConflictException) when (attempt < MaxInternalRetries)
            {
            }
            catch (RevisionConflictException)
            {
                throw ApiException.StaleResourceVersion(type, name);
            }
        }
    }

    /// <summary>Applies a patch of <paramref name="patchType"/> to the current object and writes it.</summary>
    public Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, string? subresource,
        bool dryRun, CancellationToken ct)
    {
        string? precondition = null;
        if (patchType != PatchType.Json && Json.String(patch, "metadata", "resourceVersion") is { Length: > 0 } rv)
        {
            precondition = rv;
        }

        return GuaranteedUpdateAsync(type, ns, name, subresource, current =>
        {
            if (precondition is not null && precondition != Json.String(current, "metadata", "resourceVersion"))
            {
                throw ApiException.StaleResourceVersion(type, name);
            }

            var patched = patcher.Apply(type, current, patchType, patch);
            var meta = Json.EnsureObject(patched, "metadata");
            meta["resourceVersion"] = Json.String(current, "metadata", "resourceVersion");
            return patched;
        }, dryRun, ct);
    }

    /// <summary>
    /// The common tail of every update: keep server-owned metadata, run the strategy, bump the
    /// generation on spec changes, skip no-op writes, finish deletion when the last finalizer goes.
    /// </summary>
    internal async Task<JsonObject> WriteUpdateAsync(ResourceType type, string? ns, string name, JsonObject old, StoreEntry entry,
        JsonObject obj, string? subresource, bool dryRun, CancellationToken ct)
    {
        CheckTypeMeta(type, obj);
        if (subresource is null)
        {
            TypedShape.Check(type, obj);
        }
        else if (subresource == "status")
        {
            TypedShape.CheckStatus(type, obj);
        }

        var meta = Json.EnsureObject(obj, "metadata");
        var oldMeta = Json.EnsureObject(old, "metadata");
        meta["name"] = name;
        if (type.Namespaced)
        {
            meta["namespace"] = ns;
        }

        if (Json.String(meta, "uid") is { Length: > 0 } uid && uid != Json.String(oldMeta, "uid"))
        {
            throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.String(oldMeta, "uid")}");
        }

        foreach (var owned in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            Json.CopyProperty(oldMeta, meta, owned);
        }

        meta.Remove("selfLink");

        IReadOnlyList<StatusCause> causes;
        if (subresource == "finalize")
        {
            // A namespace's /finalize changes spec.finalizers and nothing else.
            var finalizers = Json.Array(obj, "spec", "finalizers")?.DeepClone();
            obj = (JsonObject)old.DeepClone();
            meta = Json.EnsureObject(obj, "metadata");
            Json.EnsureObject(obj, "spec")["finalizers"] = finalizers ?? new JsonArray();
            causes = [];
        }
        else if (subresource == "binding")
        {
            // pods/binding sets spec.nodeName, which no pod update may change; like Kubernetes' assignPod it writes
            // past the update strategy (SubresourceService.BindAsync checks what may be bound).
            causes = [];
        }
        else if (subresource == "status")
        {
            type.Strategy.PrepareForStatusUpdate(obj, old);
            causes = [.. type.Strategy.Validate(obj), .. type.Strategy.ValidateStatusUpdate(obj, old)];
        }
        else
        {
            type.Strategy.PrepareForUpdate(obj, old);
            type.Strategy.ApplyDefaults(obj);
            causes = [.. type.Strategy.Validate(obj), .. type.Strategy.ValidateUpdate(obj, old)];
            if (type.Strategy.SpecChanged(obj, old))
            {
                meta["generation"] = (Json.Long(oldMeta, "generation") ?? 0) + 1;
            }
        }

        if (causes.Count > 0)
        {
            throw ApiException.Invalid(type, name, causes);
        }

        if (meta["deletionTimestamp"] is not null && (Json.Array(meta, "finalizers")?.Count ?? 0) == 0 && !HasSpecFinalizers(type, obj))
        {
            // The last finalizer is gone: the object's deletion completes now.
            if (dryRun)
            {
                return obj;
            }

            try
            {
                var (_, revision) = await Store.DeleteAsync(StoreKeys.Key(type, ns, name), entry.ModRevision, ct);
                Namespaces?.Observe(type, name, null, revision);
                meta["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
                return obj;
            }
            catch (KeyNotFoundStoreException)
            {
                throw ApiException.NotFound(type, name);
            }
        }

        var bytes = ObjectCodec.Encode(obj);
        if (bytes.AsSpan().SequenceEqual(entry.Value.Span) || dryRun)
        {
            meta["resourceVersion"] = entry.ModRevision.ToString(CultureInfo.InvariantCulture);
            return obj;
        }

        try
        {
            var rev = await Store.UpdateAsync(StoreKeys.Key(type, ns, name), bytes, entry.ModRevision, ct);
            Namespaces?.Observe(type, name, bytes, rev);
            meta["resourceVersion"] = rev.ToString(CultureInfo.InvariantCulture);
            return obj;
        }
        catch (KeyNotFoundStoreException)
        {
            throw ApiException.NotFound(type, name);
        }
    }

    /// <summary>Namespaces carry <c>spec.finalizers</c> (the namespace controller's) besides metadata finalizers.</summary>
    internal static bool HasSpecFinalizers(ResourceType type, JsonObject obj) =>
        type.Group.Length == 0 && type.Plural == "namespaces" && (Json.Array(obj, "spec", "finalizers")?.Count ?? 0) > 0;

    /// <summary>
    /// The DefaultStorageClass admission plugin: a claim that names no class gets the class annotated
    /// <c>storageclass.kubernetes.io/is-default-class: "true"</c>, when there is one.
    /// </summary>
    private async Task DefaultStorageClassAsync(JsonObject claim, CancellationToken ct)
    {
        var spec = Json.EnsureObject(claim, "spec");
        if (spec.ContainsKey("storageClassName"))
        {
            return;
        }

        var classes = Registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        var list = await ListRawAsync(classes, null, ListOptions.None, ct);
        foreach (var e in list.Entries)
        {
            var sc = ObjectCodec.Decode(e.Value, e.ModRevision);
            if (Json.String(sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true")
            {
                spec["storageClassName"] = Json.String(sc, "metadata", "name");
                return;
            }
        }
    }

    private static bool IsServices(ResourceType type) => type.Group.Length == 0 && type.Plural == "services";

    /// <summary>Kinds Kubernetes lets a PUT create (AllowCreateOnUpdate in their strategies).</summary>
    private static bool AllowsCreateOnUpdate(ResourceType type) =>
        (type.Group, type.Plural) is ("", "endpoints") or ("", "events") or ("coordination.k8s.io", "leases");

    private async Task CheckNamespaceAcceptsAsync(ResourceType type, string ns, string name, CancellationToken ct)
    {
        if (Namespaces?.Terminating(ns) is { } terminating)
        {
            if (terminating)
            {
                throw Terminating(type, ns, name);
            }

            return;
        }

        var nsType = Registry.Find("", "v1", "namespaces")!;
        var entry = await Store.GetAsync(StoreKeys.Key(nsType, null, ns), ct);
        if (entry is null)
        {
            throw ApiException.NotFound("", "namespaces", ns);
        }

        if (NamespaceCache.IsTerminating(entry.Value))
        {
            throw Terminating(type, ns, name);
        }
    }

    private static ApiException Terminating(ResourceType type, string ns, string name) =>
        new(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
            new StatusDetails(name, type.Group, type.Plural));

    private static void CheckTypeMeta(ResourceType type, JsonObject obj)
    {
        var apiVersion = Json.String(obj, "apiVersion");
        var kind = Json.String(obj, "kind");
        if (string.IsNullOrEmpty(apiVersion))
        {
            obj["apiVersion"] = type.ApiVersion;
        }
        else if (apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        if (string.IsNullOrEmpty(kind))
        {
            obj["kind"] = type.Kind;
        }
        else if (kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
    }

    /// <summary>Parses a resourceVersion query value; 400 when it is not a number.</summary>
    public static long ParseResourceVersion(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) || rv < 0)
        {
            throw ApiException.BadRequest($"invalid resource version \"{value}\"");
        }

        return rv;
    }

    /// <summary>RFC 3339 with second precision, as Kubernetes writes metav1.Time.</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix(string _) =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)];
            }
        });
}
