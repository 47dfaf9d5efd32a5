using Berth.Runtime.Vm.Logs;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class ConsoleLogPumpTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-pump-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    private string Raw => Path.Combine(_dir, "console.raw");

    private string Offset => Path.Combine(_dir, "console.offset");

    private string Log => Path.Combine(_dir, "pod", "0.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Copies_new_lines_once_and_resumes_from_the_saved_offset_in_a_new_pump()
    {
        File.WriteAllText(Raw, "one\ntwo\n");
        new ConsoleLogPump(Raw, Offset, Log, _time).PumpOnce();
        Assert.Equal(["2026-11-26T12:00:00.000000000Z stdout F one", "2026-11-26T12:00:00.000000000Z stdout F two"], File.ReadAllLines(Log));

        File.AppendAllText(Raw, "three\n");
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = new ConsoleLogPump(Raw, Offset, Log, _time); // an agent restart
        second.PumpOnce();
        second.PumpOnce();
        Assert.Equal(3, File.ReadAllLines(Log).Length);
        Assert.Equal("2026-11-26T12:00:01.000000000Z stdout F three", File.ReadAllLines(Log)[2]);
    }

    [Fact]
    public void A_prompt_without_newline_is_written_as_partial_once_idle()
    {
        File.WriteAllText(Raw, "line\n/ # ");
        var pump = new ConsoleLogPump(Raw, Offset, Log, _time);
        pump.PumpOnce();
        Assert.Single(File.ReadAllLines(Log));
        _time.Advance(ConsoleLogPump.PartialAfter);
        pump.PumpOnce();
        Assert.Equal("2026-11-26T12:00:00.500000000Z stdout P / # ", File.ReadAllLines(Log)[1]);

        File.AppendAllText(Raw, "ls\n");
        pump.PumpOnce();
        Assert.EndsWith(" stdout F ls", File.ReadAllLines(Log)[2], StringComparison.Ordinal);
    }

    [Fact]
    public void The_final_pump_flushes_the_partial_line()
    {
        File.WriteAllText(Raw, "Power down");
        var pump = new ConsoleLogPump(Raw, Offset, Log, _time);
        pump.PumpOnce();
        Assert.False(File.Exists(Log));
        pump.PumpOnce(final: true);
        Assert.EndsWith(" stdout P Power down", File.ReadAllText(Log).TrimEnd('\n'), StringComparison.Ordinal);
    }
}
