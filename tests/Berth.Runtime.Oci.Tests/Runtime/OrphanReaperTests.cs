using System.Diagnostics;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

/// <summary>The subreaper's orphans: reaped once they stayed zombies for a pass; a waited-for child is left to its waiter.</summary>
[Trait("Tier", "Integration")]
public sealed class OrphanReaperTests
{
    [Fact]
    public async Task AnOrphanThatExitedIsReapedAndAClaimedChildIsNot()
    {
        Subreaper.Ensure();

        // sh starts a background child and exits: the child is re-parented to us (the subreaper) and,
        // once it exits, is a zombie nobody waits for.
        var marker = "/tmp/bt-orphan-" + Guid.NewGuid().ToString("N")[..8];
        using (var sh = Process.Start("/bin/sh", ["-c", $"sleep 0.2 & echo $! > {marker}; exit 0"]))
        {
            await sh.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var orphan = await WaitForAsync(() => File.Exists(marker) && File.ReadAllText(marker).Trim().Length > 0 ? int.Parse(File.ReadAllText(marker).Trim()) : (int?)null);
        File.Delete(marker);
        Assert.True(await EventuallyAsync(() => IsZombieChild(orphan)), $"orphan {orphan} did not become our zombie child");

        // A child whose spawner is waiting is never taken from it, whatever the passes see.
        var waited = NativeProcess.Spawn("/bin/sleep", ["0.3"]);
        var code = Task.Factory.StartNew(() => NativeProcess.Wait(waited), TaskCreationOptions.LongRunning);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (IsZombieChild(orphan) && DateTime.UtcNow < deadline)
        {
            OrphanReaper.Pass();
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(IsZombieChild(orphan), $"orphan {orphan} is still a zombie after 20 s of passes");
        Assert.Equal(0, await code);
        Assert.True(OrphanReaper.Reaped >= 1);
    }

    private static bool IsZombieChild(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return rest[0] == "Z" && rest[1] == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return false;
    }

    private static async Task<int> WaitForAsync(Func<int?> read)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (read() is { } v)
            {
                return v;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("the orphan never wrote its pid");
    }
}
