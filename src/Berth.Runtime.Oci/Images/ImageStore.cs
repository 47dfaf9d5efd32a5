using System.Text.RegularExpressions;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// The node's image store, rooted at <c>DATA_DIR/images</c> (DATA_DIR is <c>berth up --data-dir</c>,
/// default <c>/var/lib/berth</c>):
/// <code>
/// images/
///   blobs/sha256/HEX     manifests, indexes, configs, layer tars (compressed as pulled); content-addressed
///   layers/HEX/          one directory per unpacked layer, named by its DiffID: an overlayfs lowerdir
///   refs.json            name → digest (ReferenceTable)
///   cache/               the image builder's step cache
///   tmp/                 partial writes, renamed into place when complete
///   lock, refs.lock      flock files (StoreLock)
/// </code>
/// Safe for several processes at once: blobs and layers appear by atomic rename, references are
/// rewritten under a lock, and garbage collection takes the store lock exclusively while every
/// writer holds it shared. Every method may be called from any thread.
/// </summary>
public sealed class ImageStore
{
    public const string DefaultDataDir = "/var/lib/berth";

    private readonly TimeProvider _time;

    public ImageStore(string dataDir, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        Root = Path.GetFullPath(Path.Combine(dataDir, "images"));
        LayersDir = Path.Combine(Root, "layers");
        CacheDir = Path.Combine(Root, "cache");
        try
        {
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(LayersDir);
            Directory.CreateDirectory(CacheDir);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageStoreException($"cannot create the image store at {Root}: {e.Message} (run as root, or pass --data-dir DIR)", e);
        }
        Blobs = new BlobStore(Root);
        References = new ReferenceTable(Root);
    }

    public string Root { get; }

    public string LayersDir { get; }

    public string CacheDir { get; }

    public BlobStore Blobs { get; }

    public ReferenceTable References { get; }

    public TimeProvider Time => _time;

    /// <summary>Takes the store lock shared: hold it while writing content that nothing references yet.</summary>
    public StoreLock LockShared() => StoreLock.Acquire(Path.Combine(Root, "lock"), exclusive: false);

    /// <summary>
    /// Finds an image by reference and makes sure its layers are unpacked. Accepts a name
    /// (<c>busybox</c>, <c>registry:5000/x:1</c>), a name with digest (<c>x@sha256:…</c>), a manifest
    /// digest, or an image ID (config digest, or a unique prefix of at least 4 hex characters).
    /// An index resolves to its linux/amd64 manifest. Throws <see cref="ImageNotFoundException"/>
    /// when the store has no such image, <see cref="ImageStoreException"/> when its content is broken.
    /// Unpacking a missing layer can take a while; everything else is a few small file reads.
    /// </summary>
    public ResolvedImage Resolve(string reference)
    {
        var digest = FindDigest(reference) ?? throw new ImageNotFoundException(reference);
        using var lck = LockShared();
        var (manifestDigest, manifest) = LoadImageManifest(digest);
        var config = LoadConfig(manifest, manifestDigest);
        var dirs = new List<string>(manifest.Layers.Count);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            dirs.Add(EnsureLayer(manifest.Layers[i], config.RootFs.DiffIds[i]));
        }
        dirs.Reverse();
        var name = ImageReference.TryParse(reference, out var parsed) && (parsed!.Digest is not null || References.Lookup(parsed.ToString()) is not null)
            ? parsed.ToString() : manifestDigest;
        return new ResolvedImage(name, manifestDigest, manifest.Config.Digest, config.Config ?? new ContainerConfig(), dirs);
    }

    public Task<ResolvedImage> ResolveAsync(string reference, CancellationToken cancellationToken = default) =>
        Task.Run(() => Resolve(reference), cancellationToken);

    /// <summary>The manifest or index digest a reference names in this store, or null. See <see cref="Resolve"/> for the accepted forms.</summary>
    public string? FindDigest(string reference)
    {
        var refs = References.Read();
        if (ImageReference.TryParse(reference, out var parsed))
        {
            if (parsed!.Digest is { } d)
            {
                return Blobs.Exists(d) ? d : null;
            }
            if (refs.TryGetValue(parsed.ToString(), out var byName))
            {
                return byName;
            }
        }
        var text = reference.Trim();
        if (Digest.IsValid(text) && Blobs.Exists(text) && refs.Values.Contains(text))
        {
            return text;
        }
        var hex = text.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? text[Digest.Sha256Prefix.Length..] : text;
        if (hex.Length < 4 || !hex.All(Uri.IsHexDigit))
        {
            return null;
        }
        var matches = new HashSet<string>();
        foreach (var d in refs.Values.Distinct())
        {
            if (Digest.Hex(d).StartsWith(hex, StringComparison.Ordinal))
            {
                matches.Add(d);
                continue;
            }
            try
            {
                var (_, m) = LoadImageManifest(d);
                if (Digest.Hex(m.Config.Digest).StartsWith(hex, StringComparison.Ordinal))
                {
                    matches.Add(d);
                }
            }
            catch (ImageStoreException)
            {
                // A broken image is not a match; inspect/rm by name still reach it.
            }
        }
        return matches.Count switch
        {
            1 => matches.First(),
            0 => null,
            _ => throw new ImageStoreException($"\"{reference}\" matches {matches.Count} images: give more characters of the ID, or a name"),
        };
    }

    /// <summary>Loads a manifest by digest; for an index, the linux/amd64 manifest it lists (which must be in the store).</summary>
    public (string Digest, OciManifest Manifest) LoadImageManifest(string digest)
    {
        var bytes = Blobs.ReadAllBytes(digest);
        var mediaType = ImageJson.PeekMediaType(bytes);
        if (MediaTypes.IsIndex(mediaType))
        {
            var index = ImageJson.Deserialize<OciIndex>(bytes, $"image index {digest}");
            var chosen = index.SelectLinuxAmd64()
                ?? throw new ImageStoreException($"image index {digest} has no linux/amd64 image (platforms: {string.Join(", ", index.Manifests.Select(m => m.Platform is null ? "?" : $"{m.Platform.Os}/{m.Platform.Architecture}"))})");
            return LoadImageManifest(chosen.Digest);
        }
        if (!MediaTypes.IsManifest(mediaType))
        {
            throw new ImageStoreException($"blob {digest} is not an image manifest (media type {mediaType ?? "unknown"}); Docker schema 1 manifests are not supported");
        }
        var manifest = ImageJson.Deserialize<OciManifest>(bytes, $"image manifest {digest}");
        return (digest, manifest);
    }

    public OciImageConfig LoadConfig(OciManifest manifest, string manifestDigest)
    {
        var config = ImageJson.Deserialize<OciImageConfig>(Blobs.ReadAllBytes(manifest.Config.Digest), $"image config {manifest.Config.Digest}");
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new ImageStoreException($"image {manifestDigest}: the manifest lists {manifest.Layers.Count} layers but the config has {config.RootFs.DiffIds.Count} diff_ids");
        }
        return config;
    }

    /// <summary>The directory a layer with this DiffID is (or would be) unpacked into.</summary>
    public string LayerDir(string diffId) => Path.Combine(LayersDir, Digest.Hex(diffId));

    /// <summary>
    /// Unpacks a layer blob once: returns its directory, unpacking it first when missing. The
    /// uncompressed content must hash to <paramref name="diffId"/>. Two processes unpacking the same
    /// layer at once both succeed; one directory wins the rename.
    /// </summary>
    public string EnsureLayer(OciDescriptor layer, string diffId)
    {
        var dir = LayerDir(diffId);
        if (Directory.Exists(dir))
        {
            return dir;
        }
        var tmp = Path.Combine(LayersDir, $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var blob = Blobs.OpenRead(layer.Digest))
            {
                var (actual, _) = LayerUnpacker.Unpack(blob, tmp, $"layer {layer.Digest}");
                if (actual != diffId)
                {
                    throw new BlobVerificationException(layer.Digest, $"its uncompressed content has digest {actual}, the image config says {diffId}");
                }
            }
            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                // Another process unpacked the same layer first; ours is removed below.
            }
            return dir;
        }
        finally
        {
            if (Directory.Exists(tmp))
            {
                RemoveTree(tmp);
            }
        }
    }

    /// <summary>Stores config and manifest for a set of layers already in the store; returns the manifest digest.</summary>
    public string PutImage(OciImageConfig config, IReadOnlyList<OciDescriptor> layers, Dictionary<string, string>? annotations = null)
    {
        var configBytes = ImageJson.Serialize(config);
        var configDigest = Blobs.Put(configBytes);
        return PutManifest(new OciDescriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length }, layers, annotations);
    }

    /// <summary>Stores an OCI manifest for a config and layers already in the store; returns its digest.</summary>
    public string PutManifest(OciDescriptor config, IReadOnlyList<OciDescriptor> layers, Dictionary<string, string>? annotations = null)
    {
        var manifest = new OciManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = config,
            Layers = [.. layers],
            Annotations = annotations,
        };
        return Blobs.Put(ImageJson.Serialize(manifest));
    }

    /// <summary>Points <paramref name="reference"/> at a manifest or index already in the store.</summary>
    public void SetReference(ImageReference reference, string digest)
    {
        References.Update(table =>
        {
            if (!Blobs.Exists(digest))
            {
                throw new ImageStoreException($"cannot tag {reference}: {digest} is not in the store");
            }
            table[reference.ToString()] = digest;
            return true;
        });
    }

    /// <summary><c>berth image tag SOURCE TARGET</c>.</summary>
    public ImageReference Tag(string source, string target)
    {
        var digest = FindDigest(source) ?? throw new ImageNotFoundException(source);
        var parsed = ImageReference.Parse(target);
        if (parsed.Digest is not null)
        {
            throw new ImageStoreException($"cannot tag with a digest (\"{target}\"): give NAME[:TAG]");
        }
        SetReference(parsed, digest);
        return parsed;
    }

    /// <summary>
    /// Removes a reference (<c>berth image rm</c>). A name removes that name; an ID or digest removes
    /// every name that points at it. Content stays until <see cref="Prune"/>. Returns the names removed.
    /// </summary>
    public IReadOnlyList<string> Remove(string reference)
    {
        return References.Update(table =>
        {
            if (ImageReference.TryParse(reference, out var parsed) && table.Remove(parsed!.ToString()))
            {
                return (IReadOnlyList<string>)[parsed.ToString()];
            }
            var digest = FindDigest(reference) ?? throw new ImageNotFoundException(reference);
            var names = table.Where(kv => kv.Value == digest).Select(kv => kv.Key).ToList();
            foreach (var n in names)
            {
                table.Remove(n);
            }
            return names;
        });
    }

    /// <summary>Every reference with its image, sorted by name (<c>berth image ls</c>). Broken images are listed with what is known.</summary>
    public IReadOnlyList<ImageSummary> List()
    {
        var rows = new List<ImageSummary>();
        foreach (var (name, digest) in References.Read())
        {
            var reference = ImageReference.Parse(name);
            try
            {
                var (md, m) = LoadImageManifest(digest);
                DateTimeOffset? created = null;
                try
                {
                    created = ImageJson.Deserialize<OciImageConfig>(Blobs.ReadAllBytes(m.Config.Digest), "config").Created;
                }
                catch (ImageStoreException)
                {
                }
                var size = SafeSize(digest) + (md == digest ? 0 : SafeSize(md)) + m.Config.Size + m.Layers.Sum(l => l.Size);
                rows.Add(new ImageSummary(reference, digest, m.Config.Digest, size, created));
            }
            catch (ImageStoreException)
            {
                rows.Add(new ImageSummary(reference, digest, "", 0, null));
            }
        }
        return rows;
    }

    public ImageDetails Inspect(string reference)
    {
        var digest = FindDigest(reference) ?? throw new ImageNotFoundException(reference);
        var mediaType = ImageJson.PeekMediaType(Blobs.ReadAllBytes(digest)) ?? "";
        var (md, manifest) = LoadImageManifest(digest);
        var config = LoadConfig(manifest, md);
        var names = References.Read().Where(kv => kv.Value == digest).Select(kv => kv.Key).ToList();
        var dirs = config.RootFs.DiffIds.Select(LayerDir).Where(Directory.Exists).Reverse().ToList();
        var size = manifest.Config.Size + manifest.Layers.Sum(l => l.Size);
        return new ImageDetails(digest, mediaType, manifest.Config.Digest, names, manifest, config, size, dirs);
    }

    /// <summary>
    /// Garbage collection (<c>berth image prune</c>): removes blobs and unpacked layers that no
    /// reference reaches, except layers that a mounted overlay uses (a container still running
    /// from an image that was removed), and leftovers of interrupted writes. Build-cache entries
    /// whose blobs are gone are dropped. Waits for running pulls, imports and builds to finish.
    /// </summary>
    public PruneResult Prune()
    {
        using var lck = StoreLock.Acquire(Path.Combine(Root, "lock"), exclusive: true);
        return References.WithLock(refs =>
        {
            var keepBlobs = new HashSet<string>();
            var keepLayers = new HashSet<string>();
            foreach (var digest in refs.Values.Distinct())
            {
                Mark(digest, keepBlobs, keepLayers);
            }
            var inUse = MountedLayers();
            long freed = 0;
            var blobs = 0;
            foreach (var digest in Blobs.All().ToList())
            {
                if (!keepBlobs.Contains(digest))
                {
                    freed += SafeSize(digest);
                    Blobs.Delete(digest);
                    blobs++;
                }
            }
            var layers = 0;
            var kept = new List<string>();
            foreach (var dir in Directory.EnumerateDirectories(LayersDir).ToList())
            {
                var name = Path.GetFileName(dir);
                if (keepLayers.Contains(name))
                {
                    continue;
                }
                if (inUse.Contains(dir))
                {
                    kept.Add(dir);
                    continue;
                }
                RemoveTree(dir);
                layers++;
            }
            foreach (var f in Directory.EnumerateFiles(Path.Combine(Root, "tmp")))
            {
                File.Delete(f);
            }
            foreach (var entry in Directory.EnumerateFiles(CacheDir, "*.json"))
            {
                var text = File.ReadAllText(entry);
                if (Regex.Matches(text, "\"digest\":\"(sha256:[a-f0-9]{64})\"").Any(m => !Blobs.Exists(m.Groups[1].Value)))
                {
                    File.Delete(entry);
                }
            }
            return new PruneResult(blobs, layers, freed, kept);
        });
    }

    private void Mark(string digest, HashSet<string> blobs, HashSet<string> layers)
    {
        if (!blobs.Add(digest) || !Blobs.Exists(digest))
        {
            return;
        }
        byte[] bytes;
        try
        {
            bytes = Blobs.ReadAllBytes(digest);
        }
        catch (ImageStoreException)
        {
            return;
        }
        var mediaType = ImageJson.PeekMediaType(bytes);
        if (MediaTypes.IsIndex(mediaType))
        {
            foreach (var m in ImageJson.Deserialize<OciIndex>(bytes, digest).Manifests)
            {
                Mark(m.Digest, blobs, layers);
            }
            return;
        }
        if (!MediaTypes.IsManifest(mediaType))
        {
            return;
        }
        var manifest = ImageJson.Deserialize<OciManifest>(bytes, digest);
        blobs.Add(manifest.Config.Digest);
        foreach (var l in manifest.Layers)
        {
            blobs.Add(l.Digest);
        }
        try
        {
            foreach (var d in LoadConfig(manifest, digest).RootFs.DiffIds)
            {
                layers.Add(Digest.Hex(d));
            }
        }
        catch (ImageStoreException)
        {
        }
    }

    /// <summary>Layer directories named in the <c>lowerdir=</c> of a mounted overlay (from /proc/self/mountinfo).</summary>
    private HashSet<string> MountedLayers()
    {
        var result = new HashSet<string>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mountinfo");
        }
        catch (IOException)
        {
            return result;
        }
        foreach (var line in lines)
        {
            var sep = line.IndexOf(" - overlay ", StringComparison.Ordinal);
            if (sep < 0)
            {
                continue;
            }
            foreach (var option in line[sep..].Split(' ').Last().Split(','))
            {
                if (option.StartsWith("lowerdir=", StringComparison.Ordinal))
                {
                    foreach (var dir in option["lowerdir=".Length..].Split(':'))
                    {
                        result.Add(dir.Replace("\\040", " ", StringComparison.Ordinal));
                    }
                }
            }
        }
        return result;
    }

    private long SafeSize(string digest)
    {
        try
        {
            return Blobs.SizeOf(digest);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Deletes a directory tree that may hold read-only directories (a layer with mode 0555 dirs).</summary>
    public static void RemoveTree(string dir)
    {
        var doomed = dir;
        var parent = Path.GetDirectoryName(dir)!;
        var name = Path.GetFileName(dir);
        if (!name.StartsWith(".tmp-", StringComparison.Ordinal))
        {
            // Rename first, so that a half-deleted layer can never be mistaken for a complete one.
            doomed = Path.Combine(parent, $".tmp-rm-{Guid.NewGuid():N}");
            Directory.Move(dir, doomed);
        }
        try
        {
            Directory.Delete(doomed, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            foreach (var d in Directory.EnumerateDirectories(doomed, "*", SearchOption.AllDirectories))
            {
                Syscalls.Chmod(d, 0x1C0);
            }
            Directory.Delete(doomed, recursive: true);
        }
    }
}
