using System.Runtime.CompilerServices;
using System.Text;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Reads a container log in the CRI format (what conmon's k8s-file driver writes) the way the kubelet
/// serves <c>pods/log</c> (pkg/kubelet/kuberuntime/logs/logs.go): partial lines joined, <c>tail</c>,
/// <c>since</c>, optional timestamps, and <c>follow</c> that waits on file-change notifications
/// (inotify through <see cref="FileSystemWatcher"/>, with a periodic re-check) until the writer is done.
/// A file replaced under the same path (rotation: rename + reopen) or truncated is re-read from its start.
/// The previous instance of a restarted container writes to its own file (see <see cref="PodLogFiles"/>).
/// </summary>
public static class CriLogReader
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromMilliseconds(250);

    /// <summary>What <see cref="CopyToAsync"/> writes for one entry.</summary>
    public static string Format(CriLogEntry entry, bool timestamps) =>
        (timestamps ? entry.FormattedTimestamp + " " : "") + entry.Text + (entry.Complete ? "\n" : "");

    /// <summary>
    /// The entries of <paramref name="path"/>. With <see cref="LogReadOptions.Follow"/>, keeps waiting for new
    /// ones until <paramref name="writerActive"/> says the writer (the container) has ended, then drains the
    /// rest; without <paramref name="writerActive"/> it follows until cancelled.
    /// </summary>
    public static async IAsyncEnumerable<CriLogEntry> ReadAsync(
        string path,
        LogReadOptions options,
        Func<CancellationToken, ValueTask<bool>>? writerActive = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var since = options.Since is { } s ? CriLogEntry.ToUnixNanos(s) : long.MinValue;
        bool Wanted(CriLogEntry e) => e.UnixNanos >= since && (options.Stream is null || options.Stream == e.Stream);

        using var cursor = new Cursor(path);
        var assembler = new Assembler();

        // What is in the file now: apply tail to it.
        var initial = new List<CriLogEntry>();
        foreach (var line in cursor.ReadLines())
        {
            if (assembler.Add(line) is { } e && Wanted(e))
            {
                initial.Add(e);
            }
        }

        if (!options.Follow)
        {
            initial.AddRange(assembler.Flush().Where(Wanted));
        }

        var start = options.TailLines is { } tail ? Math.Max(0, initial.Count - tail) : 0;
        for (var i = start; i < initial.Count; i++)
        {
            yield return initial[i];
        }

        if (!options.Follow)
        {
            yield break;
        }

        using var changed = new SemaphoreSlim(0);
        using var watcher = Watch(path, changed);
        while (true)
        {
            var lines = cursor.ReadLines();
            foreach (var line in lines)
            {
                if (assembler.Add(line) is { } e && Wanted(e))
                {
                    yield return e;
                }
            }

            if (lines.Count > 0)
            {
                continue;
            }

            if (cursor.Replaced())
            {
                cursor.Reopen();
                continue;
            }

            bool signalled;
            try
            {
                signalled = await changed.WaitAsync(IdleCheck, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            if (!signalled && writerActive is not null && !await writerActive(cancellationToken))
            {
                // The writer has ended: read what it wrote last, then stop.
                foreach (var line in cursor.ReadLines())
                {
                    if (assembler.Add(line) is { } e && Wanted(e))
                    {
                        yield return e;
                    }
                }

                foreach (var e in assembler.Flush().Where(Wanted))
                {
                    yield return e;
                }

                yield break;
            }
        }
    }

    /// <summary>Writes the formatted entries to <paramref name="output"/>, honouring <see cref="LogReadOptions.LimitBytes"/>; returns the bytes written.</summary>
    public static async Task<long> CopyToAsync(
        string path,
        LogReadOptions options,
        Stream output,
        Func<CancellationToken, ValueTask<bool>>? writerActive = null,
        CancellationToken cancellationToken = default)
    {
        long written = 0;
        await foreach (var entry in ReadAsync(path, options, writerActive, cancellationToken))
        {
            var bytes = Encoding.UTF8.GetBytes(Format(entry, options.Timestamps));
            var count = bytes.Length;
            if (options.LimitBytes is { } limit && written + count > limit)
            {
                count = (int)Math.Max(0, limit - written);
            }

            await output.WriteAsync(bytes.AsMemory(0, count), cancellationToken);
            await output.FlushAsync(cancellationToken);
            written += count;
            if (options.LimitBytes is { } l && written >= l)
            {
                break;
            }
        }

        return written;
    }

    private static FileSystemWatcher? Watch(string path, SemaphoreSlim changed)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null || !Directory.Exists(dir))
        {
            return null;
        }

        FileSystemWatcher watcher;
        try
        {
            watcher = new FileSystemWatcher(dir, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
        }
        catch (IOException)
        {
            // Out of inotify instances: fall back to the periodic re-check alone.
            return null;
        }

        void Signal(object? sender, EventArgs args)
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        }

        watcher.Changed += Signal;
        watcher.Created += Signal;
        watcher.Renamed += Signal;
        watcher.Deleted += Signal;
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (IOException)
        {
            watcher.Dispose();
            return null;
        }

        return watcher;
    }

    /// <summary>Joins partial lines per stream.</summary>
    private sealed class Assembler
    {
        private readonly Dictionary<string, (long Nanos, StringBuilder Text)> _pending = new(StringComparer.Ordinal);

        public CriLogEntry? Add(string line)
        {
            if (!CriLogEntry.TryParseLine(line, out var nanos, out var stream, out var partial, out var content))
            {
                return null;
            }

            if (_pending.TryGetValue(stream, out var pending))
            {
                pending.Text.Append(content);
                if (partial)
                {
                    return null;
                }

                _pending.Remove(stream);
                return new CriLogEntry(pending.Nanos, stream, pending.Text.ToString(), true);
            }

            if (partial)
            {
                _pending[stream] = (nanos, new StringBuilder(content));
                return null;
            }

            return new CriLogEntry(nanos, stream, content, true);
        }

        public IEnumerable<CriLogEntry> Flush()
        {
            var list = _pending.Select(p => new CriLogEntry(p.Value.Nanos, p.Key, p.Value.Text.ToString(), false)).OrderBy(e => e.UnixNanos).ToList();
            _pending.Clear();
            return list;
        }
    }

    /// <summary>An open log file read line by line; tolerates the file not existing yet, being truncated, or being replaced.</summary>
    private sealed class Cursor(string path) : IDisposable
    {
        private readonly byte[] _buffer = new byte[65536];
        private readonly MemoryStream _partial = new();
        private FileStream? _stream;
        private ulong? _inode;

        public List<string> ReadLines()
        {
            var lines = new List<string>();
            if (_stream is null && !TryOpen())
            {
                return lines;
            }

            if (_stream!.Length < _stream.Position)
            {
                // Truncated in place: start over.
                _stream.Position = 0;
                _partial.SetLength(0);
            }

            int n;
            while ((n = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
            {
                var start = 0;
                for (var i = 0; i < n; i++)
                {
                    if (_buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    _partial.Write(_buffer, start, i - start);
                    lines.Add(Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length));
                    _partial.SetLength(0);
                    start = i + 1;
                }

                _partial.Write(_buffer, start, n - start);
            }

            return lines;
        }

        /// <summary>The path now names another file than the one open (rotated), after this one was read to its end.</summary>
        public bool Replaced()
        {
            if (_stream is null)
            {
                return File.Exists(path);
            }

            var current = Native.Inode(path);
            return current is not null && current != _inode;
        }

        public void Reopen()
        {
            _stream?.Dispose();
            _stream = null;
            _partial.SetLength(0);
            TryOpen();
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _partial.Dispose();
        }

        private bool TryOpen()
        {
            try
            {
                _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                _inode = Native.Inode((int)_stream.SafeFileHandle.DangerousGetHandle());
                return true;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
        }
    }
}
