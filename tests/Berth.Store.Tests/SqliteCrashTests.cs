using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Berth.Store.Sqlite;
using Xunit;

namespace Berth.Store.Tests;

/// <summary>
/// Durability under SIGKILL: a child process (this executable in <see cref="SqliteCrashChild"/> mode)
/// writes with 16 concurrent writers and prints each acknowledged write; it is killed mid-stream, the
/// store is reopened, and every acknowledged write must be there, with the log and the live index agreeing.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class SqliteCrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"bt-store-crash-{Guid.NewGuid():N}");

    private string Database => Path.Combine(_directory, "state.db");

    [Fact]
    public async Task EveryAcknowledgedWriteSurvivesSigkillAndTheStoreStaysConsistent()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var cycle = 0; cycle < 2; cycle++)
        {
            var (creates, updates) = await RunAndKillAsync($"c{cycle}", acknowledgements: 400, ct);
            Assert.True(creates.Count >= 200, $"cycle {cycle}: only {creates.Count} creates were acknowledged");

            await using var store = new SqliteStore(Database);
            await store.StartAsync(ct);
            foreach (var (key, revision) in creates)
            {
                var entry = await store.GetAsync(key, ct);
                Assert.True(entry is not null, $"cycle {cycle}: acknowledged create of {key} at {revision} is missing");
                Assert.Equal(revision, entry.CreateRevision);
                var text = System.Text.Encoding.UTF8.GetString(entry.Value.Span);
                if (updates.TryGetValue(key, out var updated))
                {
                    Assert.Equal(updated, entry.ModRevision);
                    Assert.Equal(SqliteCrashChild.Value(key, 2), entry.Value.ToArray());
                }
                else
                {
                    Assert.True(text == System.Text.Encoding.UTF8.GetString(SqliteCrashChild.Value(key, 1)) || text == System.Text.Encoding.UTF8.GetString(SqliteCrashChild.Value(key, 2)), $"{key} holds a value that was never written");
                }
            }

            await AssertLogMatchesLiveStateAsync(store, ct);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Replaying the whole log must give revisions 1..current without a gap and exactly the live entries.</summary>
    private static async Task AssertLogMatchesLiveStateAsync(SqliteStore store, CancellationToken ct)
    {
        var current = await store.GetCurrentRevisionAsync(ct);
        var replayed = new SortedDictionary<string, (long Create, long Mod, byte[] Value)>(StringComparer.Ordinal);
        var expected = 1L;
        if (current > 0)
        {
            await foreach (var e in store.WatchAsync(string.Empty, 0, ct))
            {
                Assert.Equal(expected, e.Revision);
                switch (e.Type)
                {
                    case WatchEventType.Created:
                        Assert.True(replayed.TryAdd(e.Key, (e.Revision, e.Revision, e.Value.ToArray())), $"{e.Key} created twice");
                        break;
                    case WatchEventType.Updated:
                        Assert.True(replayed.ContainsKey(e.Key), $"{e.Key} updated before it was created");
                        replayed[e.Key] = (e.CreateRevision, e.Revision, e.Value.ToArray());
                        break;
                    case WatchEventType.Deleted:
                        Assert.True(replayed.Remove(e.Key), $"{e.Key} deleted while absent");
                        break;
                }

                if (expected++ == current)
                {
                    break;
                }
            }
        }

        var list = await store.ListAsync(string.Empty, 0, ct);
        Assert.Equal(current, list.Revision);
        Assert.Equal(replayed.Keys, list.Entries.Select(e => e.Key));
        Assert.All(list.Entries, e =>
        {
            var r = replayed[e.Key];
            Assert.Equal((r.Create, r.Mod), (e.CreateRevision, e.ModRevision));
            Assert.Equal(r.Value, e.Value.ToArray());
        });
        Assert.Equal(list.Entries.Count, await store.CountAsync(string.Empty, ct));
    }

    /// <summary>Starts the child, waits for <paramref name="acknowledgements"/> acknowledged writes, kills it with SIGKILL, and returns what it acknowledged.</summary>
    private async Task<(Dictionary<string, long> Creates, Dictionary<string, long> Updates)> RunAndKillAsync(string tag, int acknowledgements, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { SqliteCrashChild.Argument, Database, "16", tag })
        {
            start.ArgumentList.Add(arg);
        }

        var lines = new BlockingCollection<string>();
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the crash child");
        var errors = child.StandardError.ReadToEndAsync(ct);
        var reader = Task.Run(async () =>
        {
            while (await child.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                lines.Add(line, ct);
            }

            lines.CompleteAdding();
        }, ct);

        var creates = new Dictionary<string, long>(StringComparer.Ordinal);
        var updates = new Dictionary<string, long>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var killed = false;
        try
        {
            foreach (var line in lines.GetConsumingEnumerable(ct))
            {
                Record(line, creates, updates);
                if (!killed && creates.Count + updates.Count >= acknowledgements)
                {
                    child.Kill(); // SIGKILL on Linux: no flush, no dispose, mid-commit.
                    killed = true;
                }

                Assert.True(DateTime.UtcNow < deadline, $"the child acknowledged only {creates.Count + updates.Count} writes in 60 s");
            }
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }

            await child.WaitForExitAsync(ct);
        }

        await reader;
        Assert.True(killed, $"the child exited by itself ({child.ExitCode}): {await errors}");
        return (creates, updates);
    }

    private static void Record(string line, Dictionary<string, long> creates, Dictionary<string, long> updates)
    {
        // A line cut by the kill has no revision yet: it was never completely acknowledged.
        var parts = line.Split(' ');
        if (parts.Length != 3)
        {
            return;
        }

        switch (parts[0])
        {
            case "ACK":
                creates.Add(parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture));
                break;
            case "UPD":
                updates.Add(parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture));
                break;
        }
    }
}
