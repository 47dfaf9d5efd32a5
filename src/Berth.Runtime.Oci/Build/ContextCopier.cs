using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// COPY and ADD from the build context into a staging directory that becomes the step's layer,
/// following Docker's rules: a source directory copies its contents; several sources or a wildcard
/// need a destination ending in <c>/</c>; a file copied to a path ending in <c>/</c> keeps its name;
/// sources may not leave the context; files are owned by root unless <c>--chown</c>; modes and
/// mtimes are kept; <c>ADD</c> extracts local tar archives (plain or gzip). <c>.dockerignore</c>
/// patterns (simple globs, <c>!</c> exceptions not supported) exclude files. Returns the inputs
/// hash for the build cache: paths, types, modes, link targets and content, not mtimes (as
/// BuildKit's content checksums).
/// </summary>
public sealed class ContextCopier(string contextDir)
{
    private readonly string _context = Path.GetFullPath(contextDir);
    private readonly List<string> _ignore = LoadIgnore(contextDir);

    /// <summary>
    /// Copies the sources into <paramref name="stageDir"/> and returns the inputs hash; with a null
    /// <paramref name="stageDir"/> only computes the hash (the build cache asks first, copies on a miss).
    /// </summary>
    public string Copy(IReadOnlyList<string> sources, string destination, string? stageDir, (uint Uid, uint Gid)? chown, uint? chmod, bool isAdd)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var destIsDir = destination.EndsWith('/') || sources.Count > 1 || sources.Any(HasWildcard);
        var destRel = LayerUnpacker.CleanRelative(destination, "destination") ?? "";
        var matches = new List<string>();
        foreach (var source in sources)
        {
            if (source.Contains("://", StringComparison.Ordinal))
            {
                throw new BuildException($"{(isAdd ? "ADD" : "COPY")} {source}: remote URLs are not supported (no internet): download the file into the build context and COPY it");
            }
            var found = Match(source);
            if (found.Count == 0)
            {
                throw new BuildException($"{(isAdd ? "ADD" : "COPY")} failed: \"{source}\" not found in the build context {_context}" + (Ignored(source) ? " (it is excluded by .dockerignore)" : ""));
            }
            matches.AddRange(found);
        }
        foreach (var abs in matches)
        {
            var rel = Path.GetRelativePath(_context, abs);
            if (Directory.Exists(abs) && !IsSymlink(abs))
            {
                CopyTree(abs, stageDir is null ? null : Combine(stageDir, destRel), rel == "." ? "" : rel, hash, chown, chmod);
                continue;
            }
            if (isAdd && IsTar(abs))
            {
                using (var file = File.OpenRead(abs))
                {
                    hash.AppendData(Encoding.UTF8.GetBytes($"tar {rel} {destRel} "));
                    hash.AppendData(SHA256.HashData(file));
                    hash.AppendData("\n"u8);
                }
                if (stageDir is not null)
                {
                    var target = Combine(stageDir, destRel);
                    Directory.CreateDirectory(target);
                    using var file = File.OpenRead(abs);
                    LayerUnpacker.Unpack(file, target, $"ADD {rel}");
                }
                continue;
            }
            var dest = destIsDir ? Combine(stageDir, destRel, Path.GetFileName(abs)) : Combine(stageDir, destRel);
            if (!destIsDir && destRel.Length == 0)
            {
                throw new BuildException($"COPY {rel} /: copying a file onto / needs a destination ending in /");
            }
            CopyEntry(abs, stageDir is null ? null : dest, destIsDir ? Path.GetFileName(abs) : destRel, hash, chown, chmod);
        }
        return Digest.FromHash(hash);
    }

    private static string Combine(string? stage, string rel, string? name = null)
    {
        stage ??= "/nonexistent-hash-only";
        var p = rel.Length == 0 ? stage : Path.Combine(stage, rel);
        return name is null ? p : Path.Combine(p, name);
    }

    private static bool HasWildcard(string s) => s.IndexOfAny(['*', '?', '[']) >= 0;

    private List<string> Match(string source)
    {
        var rel = LayerUnpacker.CleanRelative(source, "COPY source");
        if (rel is null)
        {
            return [_context];
        }
        if (!HasWildcard(rel))
        {
            var abs = Path.Combine(_context, rel);
            return Path.Exists(abs) || IsSymlink(abs) ? (Ignored(rel) ? [] : [abs]) : [];
        }
        var dir = Path.GetDirectoryName(rel) ?? "";
        if (HasWildcard(dir))
        {
            throw new BuildException($"COPY {source}: wildcards are supported in the last path component only");
        }
        var pattern = Path.GetFileName(rel);
        var absDir = Path.Combine(_context, dir);
        return !Directory.Exists(absDir) ? [] : Directory.EnumerateFileSystemEntries(absDir)
            .Where(e => FileSystemName.MatchesSimpleExpression(pattern, Path.GetFileName(e)))
            .Where(e => !Ignored(Path.GetRelativePath(_context, e)))
            .Order(StringComparer.Ordinal).ToList();
    }

    private void CopyTree(string sourceDir, string? destDir, string relBase, IncrementalHash hash, (uint, uint)? chown, uint? chmod)
    {
        if (destDir is not null)
        {
            Directory.CreateDirectory(destDir);
            ApplyMetadata(sourceDir, destDir, chown, chmod, isDir: true);
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(sourceDir).Order(StringComparer.Ordinal))
        {
            var rel = relBase.Length == 0 ? Path.GetFileName(entry) : relBase + "/" + Path.GetFileName(entry);
            if (Ignored(rel))
            {
                continue;
            }
            var dest = destDir is null ? null : Path.Combine(destDir, Path.GetFileName(entry));
            if (Directory.Exists(entry) && !IsSymlink(entry))
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"dir {rel} {Mode(entry)}\n"));
                CopyTree(entry, dest, rel, hash, chown, chmod);
            }
            else
            {
                CopyEntry(entry, dest, rel, hash, chown, chmod);
            }
        }
    }

    /// <summary>Hashes one file or symlink and, with a <paramref name="dest"/>, copies it there.</summary>
    private static void CopyEntry(string source, string? dest, string rel, IncrementalHash hash, (uint, uint)? chown, uint? chmod)
    {
        if (IsSymlink(source))
        {
            var target = new FileInfo(source).LinkTarget ?? "";
            hash.AppendData(Encoding.UTF8.GetBytes($"link {rel} {target}\n"));
            if (dest is not null)
            {
                PrepareDestination(dest);
                File.CreateSymbolicLink(dest, target);
                var (uid, gid) = chown ?? (0, 0);
                Syscalls.Lchown(dest, (int)uid, (int)gid);
            }
            return;
        }
        if (!File.Exists(source))
        {
            return; // sockets, fifos and devices in a build context are skipped, as Docker does
        }
        using (var f = File.OpenRead(source))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"file {rel} {chmod ?? Mode(source)} "));
            hash.AppendData(SHA256.HashData(f));
            hash.AppendData("\n"u8);
        }
        if (dest is not null)
        {
            PrepareDestination(dest);
            File.Copy(source, dest);
            ApplyMetadata(source, dest, chown, chmod, isDir: false);
        }
    }

    private static void PrepareDestination(string dest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        if (Path.Exists(dest) || IsSymlink(dest))
        {
            if (Directory.Exists(dest) && !IsSymlink(dest))
            {
                Directory.Delete(dest, true);
            }
            else
            {
                File.Delete(dest);
            }
        }
    }

    private static void ApplyMetadata(string source, string dest, (uint Uid, uint Gid)? chown, uint? chmod, bool isDir)
    {
        var st = Syscalls.Lstat(source);
        var (uid, gid) = chown ?? (0, 0);
        Syscalls.Lchown(dest, (int)uid, (int)gid);
        Syscalls.Chmod(dest, isDir ? st.Mode & 0xFFF : chmod ?? (st.Mode & 0xFFF));
        Syscalls.SetTimes(dest, DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec));
    }

    private static uint Mode(string path) => Syscalls.Lstat(path).Mode & 0xFFF;

    private static bool IsSymlink(string path)
    {
        try
        {
            return (Syscalls.Lstat(path).Mode & Syscalls.SIfMt) == Syscalls.SIfLnk;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsTar(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[262];
        var n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return true;
        }
        return n >= 262 && Encoding.ASCII.GetString(head, 257, 5) == "ustar";
    }

    private bool Ignored(string rel)
    {
        rel = rel.Replace('\\', '/').TrimStart('/');
        foreach (var pattern in _ignore)
        {
            if (FileSystemName.MatchesSimpleExpression(pattern, rel) || rel.StartsWith(pattern + "/", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static List<string> LoadIgnore(string contextDir)
    {
        var path = Path.Combine(contextDir, ".dockerignore");
        if (!File.Exists(path))
        {
            return [];
        }
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('!'))
            .Select(l => l.Trim('/')).ToList();
    }
}
