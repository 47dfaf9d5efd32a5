namespace Berth.Runtime.Oci.Images;

/// <summary>
/// A cross-process lock on a file (<c>flock(2)</c>), so that several <c>berth</c> processes (the
/// agent inside <c>berth up</c>, <c>berth image pull</c> run by hand) share one store safely.
/// The store takes it <b>shared</b> while it writes content that is not referenced yet (a pull, an
/// import, a build) and <b>exclusive</b> to collect garbage, so garbage collection never deletes a
/// blob that a running pull has just written. The kernel drops the lock if the process dies.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private int _fd;
    private readonly string _path;

    private StoreLock(string path, int fd)
    {
        _path = path;
        _fd = fd;
    }

    /// <summary>Blocks until the lock is held.</summary>
    public static StoreLock Acquire(string path, bool exclusive)
    {
        var fd = Syscalls.OpenLockFile(path);
        try
        {
            Syscalls.Flock(fd, exclusive ? Syscalls.LockEx : Syscalls.LockSh, path);
        }
        catch
        {
            _ = Syscalls.Close(fd);
            throw;
        }
        return new StoreLock(path, fd);
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            try
            {
                Syscalls.Flock(fd, Syscalls.LockUn, _path);
            }
            finally
            {
                _ = Syscalls.Close(fd);
            }
        }
    }
}
