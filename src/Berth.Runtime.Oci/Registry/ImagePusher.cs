using System.Net;
using System.Net.Http.Headers;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// Pushes an image from the <see cref="ImageStore"/> to a registry, per the distribution spec's
/// push flow: for each blob (layers, then config) a HEAD existence check, and when missing an
/// upload session (<c>POST /v2/NAME/blobs/uploads/</c>) finished monolithically (one <c>PUT
/// ?digest=</c>) or in chunks (<c>PATCH</c> with <c>Content-Range</c>, then <c>PUT</c>); then the
/// manifest (and the index, when the image is an index whose manifests are all local).
/// </summary>
public sealed class ImagePusher(ImageStore store, RegistryOptions options)
{
    /// <param name="localReference">The image in the store.</param>
    /// <param name="destination">Where to push; null pushes to the registry named in <paramref name="localReference"/>.</param>
    public async Task<PushResult> PushAsync(string localReference, string? destination, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var target = destination ?? localReference;
        try
        {
            var digest = store.FindDigest(localReference) ?? throw new ImageNotFoundException(localReference);
            var parsed = ImageReference.Parse(target);
            using var client = new RegistryClient(parsed.Registry, options);
            using var lck = store.LockShared();
            return await PushAsync(client, parsed, digest, progress, cancellationToken);
        }
        catch (FormatException e)
        {
            throw new RegistryException($"failed to push image \"{target}\": {e.Message}");
        }
        catch (RegistryException e)
        {
            throw new RegistryException($"failed to push image \"{target}\": {e.Message}", e.StatusCode, e.ErrorCode, e);
        }
        catch (ImageStoreException e)
        {
            throw new RegistryException($"failed to push image \"{target}\": {e.Message}", inner: e);
        }
    }

    private async Task<PushResult> PushAsync(RegistryClient client, ImageReference target, string digest, IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        var scope = $"repository:{target.Repository}:pull,push";
        var topBytes = store.Blobs.ReadAllBytes(digest);
        var topType = ImageJson.PeekMediaType(topBytes);
        var manifests = new List<(string Digest, byte[] Bytes, string MediaType)>();
        if (MediaTypes.IsIndex(topType))
        {
            var index = ImageJson.Deserialize<OciIndex>(topBytes, $"image index {digest}");
            if (index.Manifests.All(m => store.Blobs.Exists(m.Digest)))
            {
                manifests.AddRange(index.Manifests.Select(m => (m.Digest, store.Blobs.ReadAllBytes(m.Digest), m.MediaType)));
                manifests.Add((digest, topBytes, topType!));
            }
            else
            {
                // Only the linux/amd64 image was pulled: push that one image under the tag.
                var (md, _) = store.LoadImageManifest(digest);
                var bytes = store.Blobs.ReadAllBytes(md);
                manifests.Add((md, bytes, ImageJson.PeekMediaType(bytes)!));
            }
        }
        else
        {
            manifests.Add((digest, topBytes, topType ?? MediaTypes.OciManifest));
        }
        int uploaded = 0, skipped = 0;
        long bytesUp = 0;
        foreach (var (md, bytes, mediaType) in manifests)
        {
            if (!MediaTypes.IsManifest(mediaType))
            {
                continue;
            }
            var manifest = ImageJson.Deserialize<OciManifest>(bytes, $"image manifest {md}");
            var blobs = manifest.Layers.Select(l => (l, "layer")).Append((manifest.Config, "config")).ToList();
            using var gate = new SemaphoreSlim(Math.Max(1, options.ParallelLayers));
            var results = await Task.WhenAll(blobs.Select(async b =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    return await PushBlobAsync(client, target, b.Item1, b.Item2, scope, progress, ct);
                }
                finally
                {
                    gate.Release();
                }
            }));
            foreach (var n in results)
            {
                if (n < 0)
                {
                    skipped++;
                }
                else
                {
                    uploaded++;
                    bytesUp += n;
                }
            }
        }
        // Children by digest, the top one under the tag (or its digest when pushed by digest).
        for (var i = 0; i < manifests.Count; i++)
        {
            var (md, bytes, mediaType) = manifests[i];
            var tag = i == manifests.Count - 1 ? (target.Tag ?? md) : md;
            await PutManifestAsync(client, target, tag, bytes, mediaType, scope, ct);
        }
        var pushedDigest = manifests[^1].Digest;
        return new PushResult(target.ToString(), pushedDigest, uploaded, skipped, bytesUp);
    }

    /// <summary>Returns the bytes uploaded, or -1 when the registry already had the blob.</summary>
    private async Task<long> PushBlobAsync(RegistryClient client, ImageReference target, OciDescriptor blob, string kind, string scope, IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        var path = store.Blobs.PathOf(blob.Digest);
        if (!File.Exists(path))
        {
            throw new RegistryException($"{kind} {blob.Digest} is not in the local store (only part of this image was pulled); pull it again with all its layers");
        }
        try
        {
            using (var head = await client.SendAsync(b => new HttpRequestMessage(HttpMethod.Head, new Uri(b, $"v2/{target.Repository}/blobs/{blob.Digest}")), scope, ct))
            {
                if (head.StatusCode == HttpStatusCode.OK)
                {
                    progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.AlreadyExists, blob.Size, blob.Size));
                    return -1;
                }
                if (head.StatusCode != HttpStatusCode.NotFound)
                {
                    throw await RegistryClient.ErrorAsync(head, $"checking {kind} {blob.Digest}", ct);
                }
            }
            Uri location;
            using (var start = await client.SendAsync(b => new HttpRequestMessage(HttpMethod.Post, new Uri(b, $"v2/{target.Repository}/blobs/uploads/")), scope, ct))
            {
                if (start.StatusCode != HttpStatusCode.Accepted)
                {
                    throw await RegistryClient.ErrorAsync(start, $"starting the upload of {kind} {blob.Digest}", ct);
                }
                location = LocationOf(start);
            }
            var size = new FileInfo(path).Length;
            var chunk = options.ChunkSize ?? 0;
            if (chunk > 0 && size > chunk)
            {
                for (long offset = 0; offset < size; offset += chunk)
                {
                    var length = (int)Math.Min(chunk, size - offset);
                    var data = new byte[length];
                    await using (var file = File.OpenRead(path))
                    {
                        file.Seek(offset, SeekOrigin.Begin);
                        await file.ReadExactlyAsync(data, ct);
                    }
                    var current = location;
                    var rangeStart = offset;
                    using var patch = await client.SendAsync(_ =>
                    {
                        var content = new ByteArrayContent(data);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        content.Headers.TryAddWithoutValidation("Content-Range", $"{rangeStart}-{rangeStart + length - 1}");
                        return new HttpRequestMessage(HttpMethod.Patch, current) { Content = content };
                    }, scope, ct);
                    if (patch.StatusCode != HttpStatusCode.Accepted)
                    {
                        throw await RegistryClient.ErrorAsync(patch, $"uploading {kind} {blob.Digest} (bytes {offset}-{offset + length - 1})", ct);
                    }
                    location = LocationOf(patch);
                    progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Pushing, offset + length, size));
                }
                var final = WithDigest(location, blob.Digest);
                using var put = await client.SendAsync(_ => new HttpRequestMessage(HttpMethod.Put, final) { Content = new ByteArrayContent([]) }, scope, ct);
                await ExpectCreatedAsync(put, kind, blob.Digest, ct);
            }
            else
            {
                var final = WithDigest(location, blob.Digest);
                using var put = await client.SendAsync(_ =>
                {
                    var stream = new HashingStream(File.OpenRead(path))
                    {
                        OnProgress = n => progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Pushing, n, size)),
                    };
                    var content = new StreamContent(stream, 1 << 16);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    content.Headers.ContentLength = size;
                    return new HttpRequestMessage(HttpMethod.Put, final) { Content = content };
                }, scope, ct);
                await ExpectCreatedAsync(put, kind, blob.Digest, ct);
            }
            progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Pushed, size, size));
            return size;
        }
        catch (RegistryException e) when (!e.Message.Contains(blob.Digest, StringComparison.Ordinal))
        {
            progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Failed, 0, blob.Size));
            throw new RegistryException($"pushing {kind} {blob.Digest}: {e.Message}", e.StatusCode, e.ErrorCode, e);
        }
    }

    private static async Task ExpectCreatedAsync(HttpResponseMessage response, string kind, string digest, CancellationToken ct)
    {
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
        {
            throw await RegistryClient.ErrorAsync(response, $"finishing the upload of {kind} {digest}", ct);
        }
    }

    private static async Task PutManifestAsync(RegistryClient client, ImageReference target, string tag, byte[] bytes, string mediaType, string scope, CancellationToken ct)
    {
        using var response = await client.SendAsync(b =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, new Uri(b, $"v2/{target.Repository}/manifests/{tag}")) { Content = content };
        }, scope, ct);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted))
        {
            throw await RegistryClient.ErrorAsync(response, $"putting the manifest {target.Name}:{tag}", ct);
        }
    }

    private static Uri LocationOf(HttpResponseMessage response)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException($"the registry started an upload without a Location header ({response.RequestMessage?.RequestUri})");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static Uri WithDigest(Uri location, string digest)
    {
        var builder = new UriBuilder(location);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        return builder.Uri;
    }
}
