using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>Reads request bodies with the API's limit and turns JSON, YAML or Kubernetes protobuf into a node, or a 4xx.</summary>
public static class RequestBody
{
    /// <summary>Kubernetes' limit for a request body (3 MiB); larger bodies get 413.</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 100 };

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        if (request.ContentLength is { } length)
        {
            // The usual case (kubectl, client-go): read into an array of the announced size, nothing else allocated.
            var body = new byte[length];
            var read = 0;
            while (read < body.Length)
            {
                var n = await request.Body.ReadAsync(body.AsMemory(read), ct);
                if (n == 0)
                {
                    throw ApiException.BadRequest($"the request body ended after {read} of its {length} bytes");
                }

                read += n;
            }

            return body;
        }

        using var ms = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await request.Body.ReadAsync(buffer, ct)) > 0)
            {
                if (ms.Length + n > MaxBytes)
                {
                    throw TooLarge();
                }

                ms.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// Parses a body as JSON, or YAML or Kubernetes protobuf (<see cref="KubernetesProtobuf"/>: the JSON the same
    /// object would have had) when the content type says so.
    /// </summary>
    public static JsonNode Parse(byte[] body, string? contentType)
    {
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the request body is empty; send a JSON or YAML object");
        }

        var media = MediaType(contentType);
        if (media is "application/yaml" or "application/apply-patch+yaml" or "application/x-yaml" or "text/yaml")
        {
            try
            {
                return YamlJson.Parse(Encoding.UTF8.GetString(body)) ?? throw ApiException.BadRequest("the YAML body holds no document");
            }
            catch (FormatException e)
            {
                throw ApiException.BadRequest(e.Message);
            }
        }

        if (media == KubernetesProtobuf.MediaType)
        {
            try
            {
                return KubernetesProtobuf.Decode(body);
            }
            catch (ProtobufUnsupportedKindException e)
            {
                throw new ApiException(415, "UnsupportedMediaType", e.Message);
            }
            catch (ProtobufFormatException e)
            {
                throw ApiException.BadRequest($"error decoding request body as protobuf: {e.Message}");
            }
        }

        if (media is not ("" or "application/json" or "application/json-patch+json" or "application/merge-patch+json"
            or "application/strategic-merge-patch+json" or "*/*"))
        {
            throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {media})");
        }

        try
        {
            return JsonNode.Parse(body, documentOptions: DocumentOptions) ?? throw ApiException.BadRequest("the request body is JSON null; send an object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding request body as JSON: {e.Message}");
        }
    }

    /// <summary>Parses a body that must be an object (create, update).</summary>
    public static JsonObject ParseObject(byte[] body, string? contentType) =>
        Parse(body, contentType) as JsonObject
        ?? throw ApiException.BadRequest("the request body must be a JSON object (a Kubernetes resource), not an array or a scalar");

    /// <summary>The media type without parameters, lower-cased: <c>application/json</c>.</summary>
    public static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "";
        }

        var semi = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }

    private static ApiException TooLarge() =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxBytes}");
}
