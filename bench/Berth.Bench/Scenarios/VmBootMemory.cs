using System.Globalization;

namespace Berth.Bench.Scenarios;

/// <summary>
/// A process's memory from /proc/PID/smaps: its RSS, and the RSS of the guest RAM mapping (the
/// anonymous mapping of exactly the guest's size), so overhead = RSS − guest RAM touched.
/// </summary>
internal sealed record VmBootMemory(long RssKib, long GuestRamRssKib, long AnonymousKib, long GuestRamAnonymousKib, long TcgCacheKib)
{
    public double OverheadMib => (RssKib - GuestRamRssKib) / 1024.0;

    /// <summary>Only what this VM adds on its own: anonymous memory outside guest RAM (the QEMU binary and libraries are shared by every VM).</summary>
    public double PrivateOverheadMib => (AnonymousKib - GuestRamAnonymousKib) / 1024.0;

    /// <summary>Pages of the QEMU binary and libraries: shared by every VM on the node.</summary>
    public double FileBackedMib => (RssKib - AnonymousKib) / 1024.0;

    public static VmBootMemory Read(int pid, int guestRamMib, int tcgCacheMib)
    {
        long rss = 0, anon = 0, guestRss = 0, guestAnon = 0, tcg = 0;
        long size = 0, mapRss = 0;
        bool named = false;
        void Close()
        {
            if (!named && size == guestRamMib * 1024L)
            {
                guestRss += mapRss;
                guestAnon += mapRss;
            }
            else if (!named && size > (tcgCacheMib * 1024L) - 16 && size <= tcgCacheMib * 1024L)
            {
                tcg += mapRss;
            }
        }

        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 5 && parts[0].Contains('-', StringComparison.Ordinal) && !parts[0].EndsWith(':'))
            {
                Close();
                named = parts.Length >= 6;
                size = 0;
                mapRss = 0;
                continue;
            }

            switch (parts)
            {
                case ["Size:", var v, "kB"]:
                    size = long.Parse(v, CultureInfo.InvariantCulture);
                    break;
                case ["Rss:", var v, "kB"]:
                    mapRss = long.Parse(v, CultureInfo.InvariantCulture);
                    rss += mapRss;
                    break;
                case ["Anonymous:", var v, "kB"]:
                    anon += long.Parse(v, CultureInfo.InvariantCulture);
                    break;
            }
        }

        Close();
        return new VmBootMemory(rss, guestRss, anon, guestAnon, tcg);
    }

    /// <summary>RSS of a small process (the runtime's shim).</summary>
    public static double RssMib(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0).FirstOrDefault();
}
