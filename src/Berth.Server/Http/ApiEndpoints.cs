using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Server.Core;
using Berth.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Http;

/// <summary>
/// The HTTP face of the Kubernetes API: decodes <c>/api</c> and <c>/apis</c> URLs into
/// <see cref="ApiRequest"/>s and verbs (get, list, watch, create, update, patch, delete,
/// deletecollection, subresources), calls the core services, and writes JSON, Tables or Status.
/// Every failure becomes a Status with the Kubernetes reason and code; nothing a client sends
/// can crash the server.
/// </summary>
public sealed partial class ApiEndpoints(
    ResourceRegistry registry,
    ResourceService resources,
    DeletionService deletions,
    WatchService watches,
    SubresourceService subresources,
    Discovery discovery,
    IPodStreamProxy streams,
    IMetricsSource metrics,
    IEnumerable<IApiGroupHandler> groupHandlers,
    ILogger<ApiEndpoints> logger)
{
    /// <summary>Handles every request under <c>/api</c> and <c>/apis</c>.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await HandleCoreAsync(ctx);
        }
        finally
        {
            ApiMetrics.Observe(ctx, started);
        }
    }

    private async Task HandleCoreAsync(HttpContext ctx)
    {
        try
        {
            await DispatchAsync(ctx);
        }
        catch (ApiException e)
        {
            await TryWriteStatusAsync(ctx, e);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            await TryWriteStatusAsync(ctx, new ApiException(e.StatusCode, e.StatusCode == 413 ? "RequestEntityTooLarge" : "BadRequest", e.Message));
        }
        catch (Exception e)
        {
            LogUnhandled(logger, ctx.Request.Method, ctx.Request.Path, e);
            await TryWriteStatusAsync(ctx, ApiException.Internal(e.Message, e));
        }
    }

    private static async Task TryWriteStatusAsync(HttpContext ctx, ApiException e)
    {
        if (!ctx.Response.HasStarted)
        {
            await ResponseWriter.WriteStatusAsync(ctx, e);
        }
    }

    private async Task DispatchAsync(HttpContext ctx)
    {
        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments[0] == "api")
        {
            if (segments.Length == 1)
            {
                await Only(ctx, "GET", () => ResponseWriter.WriteBytesAsync(ctx, 200, discovery.CoreVersions));
                return;
            }

            if (segments[1] != "v1")
            {
                throw NotFound();
            }

            await ResourcesAsync(ctx, "", "v1", segments[2..]);
            return;
        }

        // /apis...
        if (segments.Length == 1)
        {
            await Only(ctx, "GET", () => ResponseWriter.WriteBytesAsync(ctx, 200, discovery.GroupList));
            return;
        }

        if (groupHandlers.FirstOrDefault(h => h.Group == segments[1]) is { } handler)
        {
            await handler.HandleAsync(ctx, segments[1..]);
            return;
        }

        if (segments.Length == 2)
        {
            var group = discovery.Group(segments[1]) ?? throw NotFound();
            await Only(ctx, "GET", () => ResponseWriter.WriteBytesAsync(ctx, 200, group));
            return;
        }

        await ResourcesAsync(ctx, segments[1], segments[2], segments[3..]);
    }

    private async Task ResourcesAsync(HttpContext ctx, string group, string version, string[] rest)
    {
        if (rest.Length == 0)
        {
            var list = discovery.ResourceListBytes(group, version) ?? throw NotFound();
            await Only(ctx, "GET", () => ResponseWriter.WriteBytesAsync(ctx, 200, list));
            return;
        }

        var req = ApiRequest.Parse(registry, group, version, rest) ?? throw NotFound();
        ApiMetrics.Describe(ctx, req);
        if (req.Type.Virtual)
        {
            await VirtualAsync(ctx, req);
            return;
        }

        var method = ctx.Request.Method;
        if (req.IsCollection)
        {
            await (method switch
            {
                "GET" when QueryOptions.IsWatch(ctx.Request.Query) => WatchAsync(ctx, req),
                "GET" => ListAsync(ctx, req),
                "POST" => CreateAsync(ctx, req),
                "DELETE" => DeleteCollectionAsync(ctx, req),
                _ => throw MethodNotAllowed(method, req),
            });
            return;
        }

        if (req.Subresource is null)
        {
            await (method switch
            {
                "GET" when QueryOptions.IsWatch(ctx.Request.Query) => WatchOneAsync(ctx, req),
                "GET" => GetAsync(ctx, req),
                "PUT" => UpdateAsync(ctx, req, null),
                "PATCH" => PatchAsync(ctx, req, null),
                "DELETE" => DeleteAsync(ctx, req),
                _ => throw MethodNotAllowed(method, req),
            });
            return;
        }

        await SubresourceAsync(ctx, req, method);
    }

    private async Task SubresourceAsync(HttpContext ctx, ApiRequest req, string method)
    {
        switch (req.Subresource, method)
        {
            case ("status", "GET"):
                await GetAsync(ctx, req);
                break;
            case ("status", "PUT"):
                await UpdateAsync(ctx, req, "status");
                break;
            case ("status", "PATCH"):
                await PatchAsync(ctx, req, "status");
                break;
            case ("finalize", "PUT"):
                await UpdateAsync(ctx, req, "finalize");
                break;
            case ("scale", "GET"):
                await WriteObjectAsync(ctx, req.Type, 200, await subresources.GetScaleAsync(req.Type, req.Namespace, req.Name!, ctx.RequestAborted));
                break;
            case ("scale", "PUT"):
                {
                    var body = RequestBody.ParseObject(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), ctx.Request.ContentType);
                    var scale = await subresources.UpdateScaleAsync(req.Type, req.Namespace, req.Name!, body, QueryOptions.DryRun(ctx.Request.Query), ctx.RequestAborted);
                    await ResponseWriter.WriteJsonAsync(ctx, 200, scale);
                    break;
                }

            case ("scale", "PATCH"):
                {
                    var (patchType, patch) = await ReadPatchAsync(ctx);
                    var scale = await subresources.PatchScaleAsync(req.Type, req.Namespace, req.Name!, patchType, patch,
                        QueryOptions.DryRun(ctx.Request.Query), ctx.RequestAborted);
                    await ResponseWriter.WriteJsonAsync(ctx, 200, scale);
                    break;
                }

            case ("binding", "POST"):
                {
                    var body = RequestBody.ParseObject(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), ctx.Request.ContentType);
                    await subresources.BindAsync(req.Type, req.Namespace!, req.Name!, body, ctx.RequestAborted);
                    await ResponseWriter.WriteJsonAsync(ctx, 201, ResponseWriter.Success());
                    break;
                }

            case ("log" or "exec" or "attach" or "portforward", _):
                {
                    var pod = await resources.GetAsync(req.Type, req.Namespace, req.Name!, ctx.RequestAborted);
                    await streams.HandleAsync(ctx, pod, req.Subresource!);
                    break;
                }

            default:
                throw MethodNotAllowed(method, req);
        }
    }

    private async Task GetAsync(HttpContext ctx, ApiRequest req)
    {
        if (TableBuilder.WantsTable(ctx.Request.Headers.Accept))
        {
            var obj = await resources.GetAsync(req.Type, req.Namespace, req.Name!, ctx.RequestAborted);
            await WriteTableAsync(ctx, req.Type, [obj], Json.String(obj, "metadata", "resourceVersion") ?? "");
            return;
        }

        var entry = await resources.GetRawAsync(req.Type, req.Namespace, req.Name!, ctx.RequestAborted);
        await ResponseWriter.WriteStoredAsync(ctx, 200, entry);
    }

    private async Task ListAsync(HttpContext ctx, ApiRequest req)
    {
        var options = QueryOptions.List(ctx.Request.Query);
        var filter = resources.Filters.Create(req.Type, options.LabelSelector, options.FieldSelector);
        var pager = ListPager.From(options);
        StoreList list;
        try
        {
            list = await resources.ListRawAsync(req.Type, req.Namespace, pager.ReadOptions(options), ctx.RequestAborted);
        }
        catch (ApiException e) when (e.Code == 410 && pager.ContinueRevision > 0)
        {
            throw ListPager.Expired();
        }

        var page = pager.Cut(list, StoreKeys.Prefix(req.Type, req.Namespace), !filter.IsEverything,
            e => filter.MatchesStored(e.Value));
        if (TableBuilder.WantsTable(ctx.Request.Headers.Accept))
        {
            var table = TableBuilder.Build(req.Type, page.Entries.Select(e => ObjectCodec.Decode(e.Value, e.ModRevision)),
                page.Revision.ToString(CultureInfo.InvariantCulture), ctx.Request.Query["includeObject"].ToString(), resources.Time.GetUtcNow());
            if (page.Continue is not null)
            {
                var meta = Json.EnsureObject(table, "metadata");
                meta["continue"] = page.Continue;
                if (page.RemainingItemCount is { } remaining)
                {
                    meta["remainingItemCount"] = remaining;
                }
            }

            await ResponseWriter.WriteJsonAsync(ctx, 200, table);
            return;
        }

        await ResponseWriter.WriteStoredListAsync(ctx, req.Type.Kind + "List", req.Type.ApiVersion, page);
    }

    private async Task CreateAsync(HttpContext ctx, ApiRequest req)
    {
        var obj = RequestBody.ParseObject(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), ctx.Request.ContentType);
        var created = await resources.CreateAsync(req.Type, req.Namespace, obj, QueryOptions.DryRun(ctx.Request.Query), ctx.RequestAborted);
        await WriteObjectAsync(ctx, req.Type, 201, created);
    }

    private async Task UpdateAsync(HttpContext ctx, ApiRequest req, string? subresource)
    {
        var obj = RequestBody.ParseObject(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), ctx.Request.ContentType);
        var updated = await resources.UpdateAsync(req.Type, req.Namespace, req.Name!, obj, subresource,
            QueryOptions.DryRun(ctx.Request.Query), ctx.RequestAborted);
        await WriteObjectAsync(ctx, req.Type, 200, updated);
    }

    private async Task PatchAsync(HttpContext ctx, ApiRequest req, string? subresource)
    {
        var (patchType, patch) = await ReadPatchAsync(ctx);
        JsonObject patched;
        var dryRun = QueryOptions.DryRun(ctx.Request.Query);
        try
        {
            patched = await resources.PatchAsync(req.Type, req.Namespace, req.Name!, patchType, patch, subresource, dryRun, ctx.RequestAborted);
        }
        catch (ApiException e) when (e.Code == 404 && patchType == PatchType.Apply && subresource is null && patch is JsonObject applied)
        {
            // Server-side apply creates what does not exist.
            patched = await resources.CreateAsync(req.Type, req.Namespace, (JsonObject)applied.DeepClone(), dryRun, ctx.RequestAborted);
            await WriteObjectAsync(ctx, req.Type, 201, patched);
            return;
        }

        await WriteObjectAsync(ctx, req.Type, 200, patched);
    }

    private async Task DeleteAsync(HttpContext ctx, ApiRequest req)
    {
        var body = await ReadOptionalBodyAsync(ctx);
        var options = QueryOptions.Delete(ctx.Request.Query, body);
        var (obj, _) = await deletions.DeleteAsync(req.Type, req.Namespace, req.Name!, options, ctx.RequestAborted);
        await WriteObjectAsync(ctx, req.Type, 200, obj);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, ApiRequest req)
    {
        var body = await ReadOptionalBodyAsync(ctx);
        var options = QueryOptions.Delete(ctx.Request.Query, body);
        var deleted = await deletions.DeleteCollectionAsync(req.Type, req.Namespace, QueryOptions.List(ctx.Request.Query), options, ctx.RequestAborted);
        var rv = deleted.Count > 0 ? Json.String(deleted[^1], "metadata", "resourceVersion") ?? "" : "";
        await ResponseWriter.WriteJsonAsync(ctx, 200, new JsonObject
        {
            ["kind"] = req.Type.Kind + "List",
            ["apiVersion"] = req.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
            ["items"] = new JsonArray(deleted.Select(o => (JsonNode)o).ToArray()),
        });
    }

    private Task WatchOneAsync(HttpContext ctx, ApiRequest req)
    {
        // GET .../NAME?watch=true is the legacy single-object watch: a watch with a name field selector.
        var options = QueryOptions.List(ctx.Request.Query);
        var selector = $"metadata.name={req.Name}";
        options = options with { FieldSelector = string.IsNullOrEmpty(options.FieldSelector) ? selector : $"{options.FieldSelector},{selector}" };
        return WatchStreamAsync(ctx, req with { Name = null }, options);
    }

    private Task WatchAsync(HttpContext ctx, ApiRequest req) => WatchStreamAsync(ctx, req, QueryOptions.List(ctx.Request.Query));

    private async Task WatchStreamAsync(HttpContext ctx, ApiRequest req, ListOptions options)
    {
        var ct = ctx.RequestAborted;
        await using var stream = await watches.OpenAsync(req.Type, req.Namespace, options, ct);
        var asTable = TableBuilder.WantsTable(ctx.Request.Headers.Accept);
        var includeObject = ctx.Request.Query["includeObject"].ToString();
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = ResponseWriter.JsonContentType;
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ct);

        // Send the headers now: client-go's reflector waits for the watch response before it lets a caller go
        // (kubectl rollout status otherwise waits for the first event or bookmark, 10 s on HTTP/2).
        await ctx.Response.Body.FlushAsync(ct);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        var first = true;
        await foreach (var item in stream.ReadAllAsync(ct))
        {
            buffer.ResetWrittenCount();
            buffer.Write(Encoding.UTF8.GetBytes($"{{\"type\":\"{item.Type}\",\"object\":"));
            if (item.Type == WatchItem.ErrorType)
            {
                buffer.Write(item.Stored.Span);
            }
            else if (asTable && !item.IsBookmark)
            {
                var table = TableBuilder.Build(req.Type, [item.Object], item.Revision.ToString(CultureInfo.InvariantCulture), includeObject,
                    resources.Time.GetUtcNow(), includeColumns: first);
                first = false;
                buffer.Write(ObjectCodec.ToUtf8(table));
            }
            else
            {
                ObjectCodec.WriteWithRevision(buffer, item.Stored.Span, item.Revision);
            }

            buffer.Write("}\n"u8);
            await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ct);
            await ctx.Response.Body.FlushAsync(ct);
        }
    }

    private async Task VirtualAsync(HttpContext ctx, ApiRequest req)
    {
        if (ctx.Request.Method != "GET")
        {
            throw MethodNotAllowed(ctx.Request.Method, req);
        }

        var ct = ctx.RequestAborted;
        if (!req.IsCollection)
        {
            var one = await metrics.GetAsync(req.Type, req.Namespace, req.Name!, ct) ?? throw ApiException.NotFound(req.Type, req.Name!);
            await ResponseWriter.WriteJsonAsync(ctx, 200, one);
            return;
        }

        var options = QueryOptions.List(ctx.Request.Query);
        var filter = resources.Filters.Create(req.Type, options.LabelSelector, options.FieldSelector);
        var items = (await metrics.ListAsync(req.Type, req.Namespace, ct)).Where(o => filter.Matches(o));
        await ResponseWriter.WriteJsonAsync(ctx, 200, new JsonObject
        {
            ["kind"] = req.Type.Kind + "List",
            ["apiVersion"] = req.Type.ApiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
        });
    }

    private async Task<(PatchType, JsonNode)> ReadPatchAsync(HttpContext ctx)
    {
        var media = RequestBody.MediaType(ctx.Request.ContentType);
        var type = media switch
        {
            "application/json-patch+json" => PatchType.Json,
            "application/merge-patch+json" => PatchType.Merge,
            "application/strategic-merge-patch+json" => PatchType.StrategicMerge,
            "application/apply-patch+yaml" or "application/apply-patch+cbor" => PatchType.Apply,
            _ => throw ApiException.UnsupportedMediaType(media),
        };
        var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        var patch = RequestBody.Parse(body, type == PatchType.Apply ? "application/apply-patch+yaml" : media);
        if (type == PatchType.Json ? patch is not JsonArray : patch is not JsonObject)
        {
            throw ApiException.BadRequest(type == PatchType.Json
                ? "a JSON patch must be an array of operations"
                : "a merge or strategic merge patch must be a JSON object");
        }

        return (type, patch);
    }

    private static async Task<JsonNode?> ReadOptionalBodyAsync(HttpContext ctx)
    {
        var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        return body.Length == 0 ? null : RequestBody.Parse(body, ctx.Request.ContentType);
    }

    private async Task WriteObjectAsync(HttpContext ctx, ResourceType type, int code, JsonObject obj)
    {
        if (TableBuilder.WantsTable(ctx.Request.Headers.Accept) && Json.String(obj, "kind") == type.Kind)
        {
            await WriteTableAsync(ctx, type, [obj], Json.String(obj, "metadata", "resourceVersion") ?? "", code);
            return;
        }

        await ResponseWriter.WriteJsonAsync(ctx, code, obj);
    }

    private Task WriteTableAsync(HttpContext ctx, ResourceType type, IEnumerable<JsonObject> objects, string rv, int code = 200) =>
        ResponseWriter.WriteJsonAsync(ctx, code,
            TableBuilder.Build(type, objects, rv, ctx.Request.Query["includeObject"].ToString(), resources.Time.GetUtcNow()));

    private static Task Only(HttpContext ctx, string method, Func<Task> handler) =>
        ctx.Request.Method == method || (method == "GET" && ctx.Request.Method == "HEAD")
            ? handler()
            : throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({ctx.Request.Method})");

    private static ApiException NotFound() =>
        new(404, "NotFound", "the server could not find the requested resource");

    private static ApiException MethodNotAllowed(string method, ApiRequest req) =>
        ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({method} {req.Type.QualifiedResource}{(req.Subresource is null ? "" : "/" + req.Subresource)})");

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "unhandled error serving {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception e);
}
