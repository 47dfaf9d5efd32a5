using System.Net;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// Pulls an image from a registry into the <see cref="ImageStore"/>: the manifest (or index, then
/// its linux/amd64 manifest), the config, and the layers (a few at once), each verified against its
/// digest and unpacked once. Layers already in the store are not downloaded again. Progress is
/// reported per blob; a failure names the blob and why.
/// </summary>
public sealed class ImagePuller(ImageStore store, RegistryOptions options)
{
    private const int MaxManifestBytes = 4 << 20;

    public async Task<PullResult> PullAsync(string reference, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ImageReference parsed;
        try
        {
            parsed = ImageReference.Parse(reference);
        }
        catch (FormatException e)
        {
            throw new RegistryException($"failed to pull image \"{reference}\": {e.Message}");
        }
        try
        {
            using var client = new RegistryClient(parsed.Registry, options);
            using var lck = store.LockShared();
            return await PullAsync(client, parsed, progress, cancellationToken);
        }
        catch (RegistryException e)
        {
            throw new RegistryException($"failed to pull image \"{reference}\": {e.Message}", e.StatusCode, e.ErrorCode, e);
        }
        catch (ImageStoreException e)
        {
            throw new RegistryException($"failed to pull image \"{reference}\": {e.Message}", inner: e);
        }
    }

    private async Task<PullResult> PullAsync(RegistryClient client, ImageReference reference, IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        var scope = $"repository:{reference.Repository}:pull";
        var (topDigest, topBytes, topType) = await FetchManifestAsync(client, reference, reference.ManifestReference, scope, ct);
        var manifestDigest = topDigest;
        var manifestBytes = topBytes;
        if (MediaTypes.IsIndex(topType))
        {
            var index = ImageJson.Deserialize<OciIndex>(topBytes, $"image index {topDigest}");
            var chosen = index.SelectLinuxAmd64()
                ?? throw new RegistryException($"{reference}: no linux/amd64 image in the index (platforms: {string.Join(", ", index.Manifests.Select(m => m.Platform is null ? "?" : $"{m.Platform.Os}/{m.Platform.Architecture}"))})");
            (manifestDigest, manifestBytes, var chosenType) = await FetchManifestAsync(client, reference, chosen.Digest, scope, ct);
            if (!MediaTypes.IsManifest(chosenType))
            {
                throw new RegistryException($"{reference}: the index entry {chosen.Digest} is not an image manifest ({chosenType})");
            }
        }
        else if (!MediaTypes.IsManifest(topType))
        {
            throw new RegistryException($"{reference}: unsupported manifest media type \"{topType}\" (Docker schema 1 images must be converted: skopeo copy --format v2s2)");
        }
        var manifest = ImageJson.Deserialize<OciManifest>(manifestBytes, $"image manifest {manifestDigest}");
        long downloaded = 0;
        var configBytes = await FetchBlobAsync(client, reference, manifest.Config, "config", scope, progress, ct);
        downloaded += configBytes;
        if (configBytes > 0)
        {
            progress?.Report(new TransferProgress(manifest.Config.Digest, "config", TransferPhase.Complete, manifest.Config.Size, manifest.Config.Size));
        }
        var config = ImageJson.Deserialize<OciImageConfig>(store.Blobs.ReadAllBytes(manifest.Config.Digest), $"image config {manifest.Config.Digest}");
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new RegistryException($"{reference}: the manifest lists {manifest.Layers.Count} layers but the config has {config.RootFs.DiffIds.Count} diff_ids");
        }
        foreach (var layer in manifest.Layers)
        {
            progress?.Report(new TransferProgress(layer.Digest, "layer", TransferPhase.Waiting, 0, layer.Size));
        }
        using var gate = new SemaphoreSlim(Math.Max(1, options.ParallelLayers));
        var tasks = manifest.Layers.Select(async (layer, i) =>
        {
            await gate.WaitAsync(ct);
            try
            {
                if (Directory.Exists(store.LayerDir(config.RootFs.DiffIds[i])) && store.Blobs.Exists(layer.Digest))
                {
                    progress?.Report(new TransferProgress(layer.Digest, "layer", TransferPhase.AlreadyExists, layer.Size, layer.Size));
                    return 0L;
                }
                var bytes = await FetchBlobAsync(client, reference, layer, "layer", scope, progress, ct);
                progress?.Report(new TransferProgress(layer.Digest, "layer", TransferPhase.Extracting, layer.Size, layer.Size));
                try
                {
                    await Task.Run(() => store.EnsureLayer(layer, config.RootFs.DiffIds[i]), ct);
                }
                catch (ImageStoreException e)
                {
                    progress?.Report(new TransferProgress(layer.Digest, "layer", TransferPhase.Failed, 0, layer.Size));
                    throw new RegistryException($"unpacking layer {layer.Digest}: {e.Message}", inner: e);
                }
                progress?.Report(new TransferProgress(layer.Digest, "layer", TransferPhase.Complete, layer.Size, layer.Size));
                return bytes;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        foreach (var n in await Task.WhenAll(tasks))
        {
            downloaded += n;
        }
        if (topDigest != manifestDigest)
        {
            store.Blobs.Put(topBytes);
        }
        store.Blobs.Put(manifestBytes);
        store.SetReference(reference, topDigest);
        return new PullResult(reference.ToString(), topDigest, manifestDigest, downloaded);
    }

    private async Task<(string Digest, byte[] Bytes, string? MediaType)> FetchManifestAsync(RegistryClient client, ImageReference reference, string tagOrDigest, string scope, CancellationToken ct)
    {
        using var response = await client.SendAsync(b =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(b, $"v2/{reference.Repository}/manifests/{tagOrDigest}"));
            foreach (var type in MediaTypes.ManifestAccept)
            {
                request.Headers.Accept.ParseAdd(type);
            }
            return request;
        }, scope, ct);
        var shown = $"{reference.Name}:{tagOrDigest}".Replace(":sha256:", "@sha256:", StringComparison.Ordinal);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var e = await RegistryClient.ErrorAsync(response, "", ct);
            throw new RegistryException($"failed to resolve reference \"{shown}\": {shown}: not found ({e.Message.TrimStart(':', ' ')})", 404, e.ErrorCode ?? "MANIFEST_UNKNOWN");
        }
        if (!response.IsSuccessStatusCode)
        {
            var e = await RegistryClient.ErrorAsync(response, $"failed to resolve reference \"{shown}\"", ct);
            throw response.StatusCode == HttpStatusCode.Unauthorized
                ? new RegistryException($"pull access denied for {reference.Name}, repository does not exist or may require authorization: {e.Message}", 401, e.ErrorCode)
                : e;
        }
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new RegistryException($"{shown}: manifest larger than {MaxManifestBytes} bytes");
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var digest = Digest.Of(bytes);
        if (Digest.IsValid(tagOrDigest) && digest != tagOrDigest)
        {
            throw new RegistryException($"{shown}: the registry served a manifest with digest {digest}");
        }
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var claimed) && claimed.FirstOrDefault() is { } c && Digest.IsValid(c) && c != digest)
        {
            throw new RegistryException($"{shown}: manifest digest {digest} does not match Docker-Content-Digest {c}");
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
        {
            mediaType = ImageJson.PeekMediaType(bytes);
        }
        return (digest, bytes, mediaType);
    }

    private async Task<long> FetchBlobAsync(RegistryClient client, ImageReference reference, OciDescriptor blob, string kind, string scope, IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        if (!Digest.IsValid(blob.Digest))
        {
            throw new RegistryException($"{kind} {blob.Digest}: invalid digest in the manifest");
        }
        if (store.Blobs.Exists(blob.Digest))
        {
            progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.AlreadyExists, blob.Size, blob.Size));
            return 0;
        }
        try
        {
            using var response = await client.SendAsync(b => new HttpRequestMessage(HttpMethod.Get, new Uri(b, $"v2/{reference.Repository}/blobs/{blob.Digest}")), scope, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw await RegistryClient.ErrorAsync(response, $"fetching {kind} {blob.Digest}", ct);
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            long lastReport = -1;
            var (_, size) = await store.Blobs.PutAsync(body, blob.Digest, blob.Size, n =>
            {
                if (n - lastReport >= 256 * 1024 || n == blob.Size)
                {
                    lastReport = n;
                    progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Downloading, n, blob.Size));
                }
            }, ct);
            progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Verifying, size, blob.Size));
            return size;
        }
        catch (Exception e) when (e is RegistryException or ImageStoreException or IOException)
        {
            progress?.Report(new TransferProgress(blob.Digest, kind, TransferPhase.Failed, 0, blob.Size));
            var why = e.Message.StartsWith("fetching ", StringComparison.Ordinal) ? e.Message : $"fetching {kind} {blob.Digest}: {e.Message}";
            throw e is RegistryException re ? new RegistryException(why, re.StatusCode, re.ErrorCode, e) : new RegistryException(why, inner: e);
        }
    }
}
