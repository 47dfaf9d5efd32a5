using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// Moves images in and out of the store as files, without a registry:
/// <list type="bullet">
/// <item>import: a <c>docker save</c> tarball (<c>manifest.json</c> with Config/RepoTags/Layers, the
/// format of Docker before and after v25), or an OCI image layout
/// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) as a directory or a
/// tar (<c>skopeo copy … oci-archive:F</c>), optionally gzip-compressed;</item>
/// <item>export: an OCI image layout tar that also carries Docker's <c>manifest.json</c>, so both
/// <c>skopeo copy oci-archive:F</c> and <c>docker load</c> read it; or a layout directory.</item>
/// </list>
/// Every blob is verified against its digest on the way in.
/// </summary>
public sealed class ImageArchive(ImageStore store)
{
    internal sealed record DockerManifestEntry
    {
        [JsonPropertyName("Config")] public string Config { get; set; } = "";
        [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; init; }
        [JsonPropertyName("Layers")] public List<string> Layers { get; set; } = [];
    }

    public const string ContainerdNameAnnotation = "io.containerd.image.name";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>
    /// Imports every image in <paramref name="path"/>. Images get their names from the archive
    /// (RepoTags, or the layout's name annotations); <paramref name="tag"/> names an image that has
    /// none (or replaces the name when the archive holds one image). Returns (reference, digest) pairs.
    /// </summary>
    public async Task<IReadOnlyList<(string Reference, string Digest)>> ImportAsync(string path, string? tag, CancellationToken ct)
    {
        using var lck = store.LockShared();
        if (Directory.Exists(path))
        {
            return await ImportDirectoryAsync(path, tag, ct);
        }
        if (!File.Exists(path))
        {
            throw new ImageStoreException($"{path}: no such file or directory");
        }
        var tmp = Path.Combine(store.Root, "tmp", "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = File.OpenRead(path))
            {
                try
                {
                    LayerUnpacker.Unpack(file, tmp, path);
                }
                catch (ImageStoreException e)
                {
                    throw new ImageStoreException($"{path} is not an image archive (a docker save tarball or an OCI layout tar): {e.Message}", e);
                }
            }
            return await ImportDirectoryAsync(tmp, tag, ct);
        }
        finally
        {
            if (Directory.Exists(tmp))
            {
                ImageStore.RemoveTree(tmp);
            }
        }
    }

    private async Task<IReadOnlyList<(string, string)>> ImportDirectoryAsync(string dir, string? tag, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(dir, "manifest.json")))
        {
            return await ImportDockerAsync(dir, tag, ct);
        }
        if (File.Exists(Path.Combine(dir, "index.json")))
        {
            return await ImportLayoutAsync(dir, tag, ct);
        }
        throw new ImageStoreException($"{dir}: neither a docker save archive (no manifest.json) nor an OCI image layout (no index.json)");
    }

    private async Task<IReadOnlyList<(string, string)>> ImportDockerAsync(string dir, string? tag, CancellationToken ct)
    {
        var entries = ImageJson.Deserialize<List<DockerManifestEntry>>(await File.ReadAllBytesAsync(Path.Combine(dir, "manifest.json"), ct), "manifest.json");
        var result = new List<(string, string)>();
        foreach (var entry in entries)
        {
            var configBytes = await File.ReadAllBytesAsync(Inside(dir, entry.Config), ct);
            var config = ImageJson.Deserialize<OciImageConfig>(configBytes, entry.Config);
            if (config.RootFs.DiffIds.Count != entry.Layers.Count)
            {
                throw new ImageStoreException($"manifest.json: {entry.Config} lists {config.RootFs.DiffIds.Count} diff_ids but the entry has {entry.Layers.Count} layers");
            }
            var configDigest = store.Blobs.Put(configBytes);
            var layers = new List<OciDescriptor>();
            for (var i = 0; i < entry.Layers.Count; i++)
            {
                var layerPath = Inside(dir, entry.Layers[i]);
                await using var stream = File.OpenRead(layerPath);
                var gzip = IsGzip(layerPath);
                var (digest, size) = await store.Blobs.PutAsync(stream, null, null, null, ct);
                var layer = new OciDescriptor { MediaType = gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, Digest = digest, Size = size };
                store.EnsureLayer(layer, config.RootFs.DiffIds[i]);
                layers.Add(layer);
            }
            var manifestDigest = store.PutManifest(new OciDescriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length }, layers);
            var names = entry.RepoTags is { Count: > 0 } tags && (tag is null || entries.Count > 1) ? tags : tag is not null ? [tag] : [];
            if (names.Count == 0)
            {
                throw new ImageStoreException($"the image {Digest.Short(configDigest)} in the archive has no name: pass --tag NAME[:TAG]");
            }
            foreach (var name in names)
            {
                var reference = ImageReference.Parse(name);
                store.SetReference(reference, manifestDigest);
                result.Add((reference.ToString(), manifestDigest));
            }
        }
        return result;
    }

    private async Task<IReadOnlyList<(string, string)>> ImportLayoutAsync(string dir, string? tag, CancellationToken ct)
    {
        var index = ImageJson.Deserialize<OciIndex>(await File.ReadAllBytesAsync(Path.Combine(dir, "index.json"), ct), "index.json");
        var result = new List<(string, string)>();
        foreach (var descriptor in index.Manifests)
        {
            await CopyBlobTreeAsync(dir, descriptor, ct);
            var names = new List<string>();
            var annotations = descriptor.Annotations ?? [];
            if (tag is not null && index.Manifests.Count == 1)
            {
                names.Add(tag);
            }
            else if (annotations.TryGetValue(ContainerdNameAnnotation, out var full))
            {
                names.Add(full);
            }
            else if (annotations.TryGetValue(RefNameAnnotation, out var refName))
            {
                if (refName.Contains('/') || refName.Contains(':'))
                {
                    names.Add(refName);
                }
                else if (tag is not null)
                {
                    names.Add(ImageReference.Parse(tag).WithTag(refName).ToString());
                }
            }
            if (names.Count == 0)
            {
                throw new ImageStoreException($"the image {descriptor.Digest} in the layout has no name: pass --tag NAME[:TAG]");
            }
            // Make sure the image is usable now (layers unpacked, linux/amd64 present).
            var (md, manifest) = store.LoadImageManifest(descriptor.Digest);
            var config = store.LoadConfig(manifest, md);
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                store.EnsureLayer(manifest.Layers[i], config.RootFs.DiffIds[i]);
            }
            foreach (var name in names)
            {
                var reference = ImageReference.Parse(name);
                store.SetReference(reference, descriptor.Digest);
                result.Add((reference.ToString(), descriptor.Digest));
            }
        }
        return result;
    }

    private async Task CopyBlobTreeAsync(string dir, OciDescriptor descriptor, CancellationToken ct)
    {
        var path = Path.Combine(dir, "blobs", "sha256", Digest.Hex(descriptor.Digest));
        if (!File.Exists(path))
        {
            if (MediaTypes.IsManifest(descriptor.MediaType) && !store.Blobs.Exists(descriptor.Digest))
            {
                return; // an index entry for another platform, not in this layout
            }
            if (!store.Blobs.Exists(descriptor.Digest))
            {
                throw new ImageStoreException($"the layout lacks blob {descriptor.Digest} ({descriptor.MediaType})");
            }
        }
        else if (!store.Blobs.Exists(descriptor.Digest))
        {
            await using var stream = File.OpenRead(path);
            await store.Blobs.PutAsync(stream, descriptor.Digest, descriptor.Size, null, ct);
        }
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var index = ImageJson.Deserialize<OciIndex>(store.Blobs.ReadAllBytes(descriptor.Digest), descriptor.Digest);
            foreach (var child in index.Manifests)
            {
                await CopyBlobTreeAsync(dir, child, ct);
            }
        }
        else if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            var manifest = ImageJson.Deserialize<OciManifest>(store.Blobs.ReadAllBytes(descriptor.Digest), descriptor.Digest);
            await CopyBlobTreeAsync(dir, manifest.Config, ct);
            foreach (var layer in manifest.Layers)
            {
                await CopyBlobTreeAsync(dir, layer, ct);
            }
        }
    }

    /// <summary>
    /// Writes the image as an OCI layout tar (with Docker's manifest.json) to <paramref name="output"/>,
    /// or as a layout directory when <paramref name="asDirectory"/>. Returns the image's digest.
    /// </summary>
    public async Task<string> ExportAsync(string reference, string output, bool asDirectory, CancellationToken ct)
    {
        var digest = store.FindDigest(reference) ?? throw new ImageNotFoundException(reference);
        var (md, manifest) = store.LoadImageManifest(digest);
        var topBytes = store.Blobs.ReadAllBytes(digest);
        var mediaType = ImageJson.PeekMediaType(topBytes) ?? MediaTypes.OciManifest;
        var names = store.References.Read().Where(kv => kv.Value == digest).Select(kv => ImageReference.Parse(kv.Key)).ToList();
        if (ImageReference.TryParse(reference, out var asked) && asked!.Tag is not null && !names.Contains(asked))
        {
            names.Insert(0, asked);
        }
        var named = names.FirstOrDefault(n => n.Tag is not null);
        var annotations = new Dictionary<string, string>();
        if (named is not null)
        {
            annotations[ContainerdNameAnnotation] = named.ToString();
            annotations[RefNameAnnotation] = named.Tag!;
        }
        // Blobs to write: the top digest and, for an index, only the linux/amd64 image (what this store has).
        var blobs = new List<string> { md, manifest.Config.Digest };
        blobs.AddRange(manifest.Layers.Select(l => l.Digest));
        var top = new OciDescriptor { MediaType = mediaType, Digest = digest, Size = topBytes.Length, Annotations = annotations };
        if (digest != md)
        {
            // Re-point at the single manifest: an index whose other platforms are missing is not a valid layout.
            var bytes = store.Blobs.ReadAllBytes(md);
            top = new OciDescriptor { MediaType = ImageJson.PeekMediaType(bytes) ?? MediaTypes.OciManifest, Digest = md, Size = bytes.Length, Annotations = annotations };
        }
        var index = new OciIndex { MediaType = MediaTypes.OciIndex, Manifests = [top] };
        var dockerManifest = new List<DockerManifestEntry>
        {
            new()
            {
                Config = "blobs/sha256/" + Digest.Hex(manifest.Config.Digest),
                RepoTags = names.Where(n => n.Tag is not null).Select(n => n.Familiar).ToList(),
                Layers = manifest.Layers.Select(l => "blobs/sha256/" + Digest.Hex(l.Digest)).ToList(),
            },
        };
        var files = new List<(string Name, Func<Stream> Open)>
        {
            ("oci-layout", () => new MemoryStream("{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray())),
            ("index.json", () => new MemoryStream(ImageJson.Serialize(index))),
            ("manifest.json", () => new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(dockerManifest, ImageJson.Options))),
        };
        files.AddRange(blobs.Distinct().Select(b => ("blobs/sha256/" + Digest.Hex(b), (Func<Stream>)(() => store.Blobs.OpenRead(b)))));
        if (asDirectory)
        {
            foreach (var (name, open) in files)
            {
                var target = Path.Combine(output, name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using var source = open();
                await using var dest = File.Create(target);
                await source.CopyToAsync(dest, ct);
            }
            return digest;
        }
        await using var stream = output == "-" ? Console.OpenStandardOutput() : File.Create(output);
        await using var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
        var now = store.Time.GetUtcNow();
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "blobs/") { Mode = (UnixFileMode)0x1ED, ModificationTime = now }, ct);
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "blobs/sha256/") { Mode = (UnixFileMode)0x1ED, ModificationTime = now }, ct);
        foreach (var (name, open) in files)
        {
            await using var source = open();
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, ModificationTime = now, DataStream = source };
            await writer.WriteEntryAsync(entry, ct);
        }
        return digest;
    }

    private static string Inside(string dir, string relative)
    {
        var rel = LayerUnpacker.CleanRelative(relative, "archive entry") ?? throw new ImageStoreException($"bad path \"{relative}\" in manifest.json");
        var path = Path.Combine(dir, rel);
        return File.Exists(path) ? path : throw new ImageStoreException($"the archive lacks {relative}");
    }

    private static bool IsGzip(string path)
    {
        using var f = File.OpenRead(path);
        return f.ReadByte() == 0x1f && f.ReadByte() == 0x8b;
    }
}
