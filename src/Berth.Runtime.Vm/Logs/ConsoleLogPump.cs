using System.Globalization;

namespace Berth.Runtime.Vm.Logs;

/// <summary>
/// Copies the serial console, which QEMU appends raw to <c>console.raw</c> whether or not a
/// console client is attached, into the pod's CRI log. The byte offset already copied is kept in
/// <c>console.offset</c>, so after an agent restart the pump resumes where it stopped: lines
/// written while no agent ran are copied then, stamped with the time they were copied. A
/// trailing partial line (a shell prompt) is written as a P entry once it has been idle for
/// <see cref="PartialAfter"/>. The CRI file is opened per batch, so it may be rotated by rename.
/// </summary>
public sealed class ConsoleLogPump
{
    private readonly string _rawPath;
    private readonly string _offsetPath;
    private readonly string _logPath;
    private readonly TimeProvider _time;
    private long _offset;
    private long _pendingSince = -1;
    private long _pendingLength;

    public ConsoleLogPump(string rawPath, string offsetPath, string logPath, TimeProvider time)
    {
        _rawPath = rawPath;
        _offsetPath = offsetPath;
        _logPath = logPath;
        _time = time;
        _offset = File.Exists(offsetPath) && long.TryParse(File.ReadAllText(offsetPath).Trim(), out var o) ? o : 0;
    }

    public static TimeSpan PartialAfter { get; } = TimeSpan.FromMilliseconds(500);

    public static TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Copies what is new. <paramref name="final"/> also flushes a partial line (QEMU has exited).</summary>
    public void PumpOnce(bool final = false)
    {
        if (!File.Exists(_rawPath))
        {
            return;
        }

        using var raw = new FileStream(_rawPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (raw.Length < _offset)
        {
            _offset = 0; // truncated by someone: start over
        }

        var available = raw.Length - _offset;
        if (available <= 0)
        {
            return;
        }

        if (available != _pendingLength)
        {
            _pendingLength = available;
            _pendingSince = _time.GetTimestamp();
        }

        var buffer = new byte[Math.Min(available, 1 << 20)];
        raw.Position = _offset;
        raw.ReadExactly(buffer);
        var idle = _pendingSince >= 0 && _time.GetElapsedTime(_pendingSince) >= PartialAfter;
        var (entries, consumed) = CriLog.Split(buffer, _time.GetUtcNow(), final || idle, out _);
        if (consumed == 0)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_logPath)!);
        File.AppendAllText(_logPath, entries);
        _offset += consumed;
        _pendingLength = raw.Length - _offset;
        _pendingSince = _pendingLength > 0 ? _time.GetTimestamp() : -1;
        File.WriteAllText(_offsetPath, _offset.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Pumps every <see cref="Interval"/> until cancelled, then once more with <c>final</c> when <paramref name="exited"/> says QEMU is gone.</summary>
    public async Task RunAsync(Func<bool> exited, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var done = exited();
            PumpOnce(final: done);
            if (done)
            {
                return;
            }

            try
            {
                await Task.Delay(Interval, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        PumpOnce(final: exited());
    }
}
