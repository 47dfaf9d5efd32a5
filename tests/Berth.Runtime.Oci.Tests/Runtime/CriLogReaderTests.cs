using System.Text;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class CriLogReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-crilog-").FullName;

    private string LogPath => Path.Combine(_dir, "0.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Line(int second, string stream, char tag, string text) =>
        $"2026-11-26T16:02:{second:00}.000000001+00:00 {stream} {tag} {text}\n";

    private static async Task<List<CriLogEntry>> ReadAll(string path, LogReadOptions options, Func<CancellationToken, ValueTask<bool>>? active = null)
    {
        var list = new List<CriLogEntry>();
        await foreach (var e in CriLogReader.ReadAsync(path, options, active, TestContext.Current.CancellationToken))
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task PartialLinesJoinPerStreamAndTailSinceAndStreamApply()
    {
        await File.WriteAllTextAsync(LogPath,
            Line(1, "stdout", 'F', "one")
            + Line(2, "stdout", 'P', "pa")
            + Line(3, "stderr", 'F', "err")
            + Line(4, "stdout", 'P', "rt")
            + Line(5, "stdout", 'F', "ial")
            + "garbage line\n"
            + Line(6, "stdout", 'F', "last"),
            TestContext.Current.CancellationToken);

        var all = await ReadAll(LogPath, new LogReadOptions());
        Assert.Equal(["one", "err", "partial", "last"], all.Select(e => e.Text));
        Assert.Equal("2026-11-26T16:02:02.000000001Z", all[2].FormattedTimestamp);

        Assert.Equal(["partial", "last"], (await ReadAll(LogPath, new LogReadOptions { TailLines = 2 })).Select(e => e.Text));
        Assert.Equal(["err"], (await ReadAll(LogPath, new LogReadOptions { Stream = "stderr" })).Select(e => e.Text));
        var since = new DateTimeOffset(2026, 11, 26, 16, 2, 3, TimeSpan.Zero);
        Assert.Equal(["err", "last"], (await ReadAll(LogPath, new LogReadOptions { Since = since })).Select(e => e.Text));
        Assert.Empty(await ReadAll(LogPath, new LogReadOptions { TailLines = 0 }));
    }

    [Fact]
    public async Task AnUnfinishedPartialLineIsReturnedWithoutNewline()
    {
        await File.WriteAllTextAsync(LogPath, Line(1, "stdout", 'F', "a") + Line(2, "stdout", 'P', "prompt> "), TestContext.Current.CancellationToken);
        using var output = new MemoryStream();
        await CriLogReader.CopyToAsync(LogPath, new LogReadOptions(), output, null, TestContext.Current.CancellationToken);
        Assert.Equal("a\nprompt> ", Encoding.UTF8.GetString(output.ToArray()));

        using var limited = new MemoryStream();
        var written = await CriLogReader.CopyToAsync(LogPath, new LogReadOptions { LimitBytes = 3, Timestamps = false }, limited, null, TestContext.Current.CancellationToken);
        Assert.Equal(3, written);
        Assert.Equal("a\np", Encoding.UTF8.GetString(limited.ToArray()));

        using var stamped = new MemoryStream();
        await CriLogReader.CopyToAsync(LogPath, new LogReadOptions { TailLines = 1, Timestamps = true }, stamped, null, TestContext.Current.CancellationToken);
        Assert.Equal("2026-11-26T16:02:02.000000001Z prompt> ", Encoding.UTF8.GetString(stamped.ToArray()));
    }

    [Fact]
    public async Task MissingFileReadsAsEmpty() => Assert.Empty(await ReadAll(Path.Combine(_dir, "none.log"), new LogReadOptions { TailLines = 5 }));

    [Fact]
    public async Task FollowSeesAppendsAndARotationAndStopsWhenTheWriterEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(LogPath, Line(1, "stdout", 'F', "before"), ct);
        var writerDone = false;
        var received = new List<string>();
        var gotBefore = new TaskCompletionSource();
        var gotAppended = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in CriLogReader.ReadAsync(LogPath, new LogReadOptions { Follow = true, TailLines = 1 }, _ => ValueTask.FromResult(!Volatile.Read(ref writerDone)), ct))
            {
                lock (received)
                {
                    received.Add(e.Text);
                }

                if (e.Text == "before")
                {
                    gotBefore.TrySetResult();
                }

                if (e.Text == "appended")
                {
                    gotAppended.TrySetResult();
                }
            }
        }, ct);

        await gotBefore.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await File.AppendAllTextAsync(LogPath, Line(2, "stdout", 'P', "app") + Line(3, "stdout", 'F', "ended"), ct);
        await gotAppended.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

        // Rotation: the old file is renamed away and the writer reopens a new one at the same path.
        File.Move(LogPath, LogPath + ".1");
        await File.WriteAllTextAsync(LogPath, Line(4, "stdout", 'F', "rotated"), ct);
        await File.AppendAllTextAsync(LogPath, Line(5, "stderr", 'F', "final"), ct);
        Volatile.Write(ref writerDone, true);
        await reader.WaitAsync(TimeSpan.FromSeconds(15), ct);
        Assert.Equal(["before", "appended", "rotated", "final"], received);
    }

    [Fact]
    public async Task FollowWithoutAWriterCheckEndsOnCancellation()
    {
        await File.WriteAllTextAsync(LogPath, Line(1, "stdout", 'F', "x"), TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var seen = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in CriLogReader.ReadAsync(LogPath, new LogReadOptions { Follow = true }, null, cts.Token))
            {
                seen.Add(e.Text);
                await cts.CancelAsync();
            }
        }, TestContext.Current.CancellationToken);
        await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["x"], seen);
    }
}
