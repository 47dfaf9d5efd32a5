namespace Berth.Runtime.Oci.Images;

/// <summary>
/// Content-addressed blobs under <c>ROOT/blobs/sha256/HEX</c>. A blob is written to
/// <c>ROOT/tmp/</c> while its sha256 is computed, compared with the expected digest (and size), then
/// renamed into place: a blob that exists is always complete and correct, and two processes
/// writing the same blob at once both succeed (the second rename replaces identical content).
/// </summary>
public sealed class BlobStore
{
    private readonly string _blobDir;
    private readonly string _tmpDir;

    public BlobStore(string root)
    {
        _blobDir = Path.Combine(root, "blobs", "sha256");
        _tmpDir = Path.Combine(root, "tmp");
        Directory.CreateDirectory(_blobDir);
        Directory.CreateDirectory(_tmpDir);
    }

    public string PathOf(string digest) => Path.Combine(_blobDir, Digest.Hex(digest));

    public bool Exists(string digest) => File.Exists(PathOf(digest));

    public long SizeOf(string digest) => new FileInfo(PathOf(digest)).Length;

    public IEnumerable<string> All() =>
        Directory.EnumerateFiles(_blobDir).Select(f => Digest.Sha256Prefix + Path.GetFileName(f)).Where(Digest.IsValid);

    public Stream OpenRead(string digest)
    {
        try
        {
            return new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new ImageStoreException($"blob {digest} is missing from the image store: pull or import the image again");
        }
    }

    /// <summary>Reads a small blob (manifest, index, config) and checks its digest.</summary>
    public byte[] ReadAllBytes(string digest)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathOf(digest));
        }
        catch (FileNotFoundException)
        {
            throw new ImageStoreException($"blob {digest} is missing from the image store: pull or import the image again");
        }
        if (Digest.Of(bytes) != digest)
        {
            throw new ImageStoreException($"blob {digest} is corrupt (its content does not match its digest): remove the image and pull or import it again");
        }
        return bytes;
    }

    public string Put(ReadOnlySpan<byte> content)
    {
        var digest = Digest.Of(content);
        if (!Exists(digest))
        {
            var tmp = TempPath();
            File.WriteAllBytes(tmp, content);
            File.Move(tmp, PathOf(digest), overwrite: true);
        }
        return digest;
    }

    /// <summary>
    /// Copies <paramref name="content"/> into the store. With <paramref name="expectedDigest"/>, the
    /// content must match it (and <paramref name="expectedSize"/> when given), or nothing is stored
    /// and a <see cref="BlobVerificationException"/> says which blob was wrong. Returns digest and size.
    /// </summary>
    public async Task<(string Digest, long Size)> PutAsync(Stream content, string? expectedDigest, long? expectedSize,
        Action<long>? progress, CancellationToken cancellationToken)
    {
        var tmp = TempPath();
        try
        {
            string digest;
            long size;
            await using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            await using (var hashing = new HashingStream(file) { OnProgress = progress })
            {
                await content.CopyToAsync(hashing, 1 << 16, cancellationToken);
                digest = hashing.Digest();
                size = hashing.BytesHashed;
            }
            if (expectedSize is { } es && es >= 0 && es != size)
            {
                throw new BlobVerificationException(expectedDigest ?? digest, $"size {size} does not match the expected {es}");
            }
            if (expectedDigest is not null && expectedDigest != digest)
            {
                throw new BlobVerificationException(expectedDigest, $"content has digest {digest}");
            }
            File.Move(tmp, PathOf(digest), overwrite: true);
            return (digest, size);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>Moves a file whose digest the caller computed into the store (e.g. a layer the builder just wrote).</summary>
    public void Adopt(string file, string digest) => File.Move(file, PathOf(digest), overwrite: true);

    public void Delete(string digest) => File.Delete(PathOf(digest));

    /// <summary>A fresh file name on the store's filesystem, for writing something that is renamed into place later.</summary>
    public string TempPath() => Path.Combine(_tmpDir, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
}
