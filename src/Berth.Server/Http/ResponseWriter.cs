using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Server.Core;
using Berth.Store;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>Writes API responses: objects, stored bytes (with the revision spliced in), lists and Status errors.</summary>
public static class ResponseWriter
{
    public const string JsonContentType = "application/json";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static async Task WriteJsonAsync(HttpContext ctx, int code, JsonNode node)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = JsonContentType;
        // Straight into the response pipe's pooled memory: no buffer of our own to grow and copy.
        using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions))
        {
            node.WriteTo(w);
        }

        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
    }

    public static async Task WriteBytesAsync(HttpContext ctx, int code, byte[] json)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = JsonContentType;
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
    }

    /// <summary>Writes one stored object without parsing it.</summary>
    public static async Task WriteStoredAsync(HttpContext ctx, int code, StoreEntry entry)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = JsonContentType;
        var buffer = new ArrayBufferWriter<byte>(entry.Value.Length + 32);
        ObjectCodec.WriteWithRevision(buffer, entry.Value.Span, entry.ModRevision);
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    /// <summary>
    /// Writes a list (<c>{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"N"},"items":[...]}</c>)
    /// from stored entries, streaming them in chunks without parsing.
    /// </summary>
    public static async Task WriteStoredListAsync(HttpContext ctx, string listKind, string apiVersion, ListPager.Page page)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = JsonContentType;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var more = page.Continue is null ? "" : $",\"continue\":\"{page.Continue}\"" + (page.RemainingItemCount is { } n ? $",\"remainingItemCount\":{n}" : "");
        Write(buffer, $"{{\"kind\":\"{listKind}\",\"apiVersion\":\"{apiVersion}\",\"metadata\":{{\"resourceVersion\":\"{page.Revision}\"{more}}},\"items\":[");
        var first = true;
        foreach (var e in page.Entries)
        {
            if (!first)
            {
                buffer.Write(","u8);
            }

            first = false;
            ObjectCodec.WriteWithRevision(buffer, e.Value.Span, e.ModRevision);
            if (buffer.WrittenCount > 60 * 1024)
            {
                await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
                buffer.ResetWrittenCount();
            }
        }

        buffer.Write("]}"u8);
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    public static Task WriteStatusAsync(HttpContext ctx, ApiException e) => WriteJsonAsync(ctx, e.Code, e.ToStatus());

    /// <summary>The <c>Status</c> of a successful delete or action.</summary>
    public static JsonObject Success(string? name = null, string? group = null, string? kind = null, string? uid = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
        };
        if (name is not null)
        {
            status["details"] = new StatusDetails(name, group ?? "", kind ?? "", null, uid).ToJson();
        }

        return status;
    }

    private static void Write(ArrayBufferWriter<byte> buffer, string s)
    {
        var span = buffer.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(s.Length));
        var n = System.Text.Encoding.UTF8.GetBytes(s, span);
        buffer.Advance(n);
    }
}
