using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json;
using Berth.Runtime.Vm.Qmp;

namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class QmpFramingTests
{
    [Fact]
    public void Command_is_one_json_line_with_execute_arguments_and_id()
    {
        var line = Encoding.UTF8.GetString(QmpFraming.Command("device_del", new JsonObject { ["id"] = "net0" }, 7));
        Assert.EndsWith("\n", line);
        Assert.Equal("""{"execute":"device_del","arguments":{"id":"net0"},"id":7}""", line.TrimEnd('\n'));
    }

    [Fact]
    public void Command_without_arguments_omits_them()
    {
        var line = Encoding.UTF8.GetString(QmpFraming.Command("qmp_capabilities", null, 1));
        Assert.Equal("""{"execute":"qmp_capabilities","id":1}""", line.TrimEnd('\n'));
    }

    [Fact]
    public void Parse_classifies_greeting_return_error_and_event()
    {
        var greeting = QmpFraming.Parse("""{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}""");
        Assert.IsType<QmpMessage.GreetingMessage>(greeting);

        var ret = Assert.IsType<QmpMessage.ReturnMessage>(QmpFraming.Parse("""{"return": {"status": "running", "running": true}, "id": 3}"""));
        Assert.Equal(3, ret.Id);
        Assert.Equal("running", ret.Value.GetProperty("status").GetString());

        var err = Assert.IsType<QmpMessage.ErrorMessage>(QmpFraming.Parse("""{"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}, "id": 4}"""));
        Assert.Equal(("CommandNotFound", 4L), (err.Class, err.Id!.Value));

        var ev = Assert.IsType<QmpMessage.EventMessage>(QmpFraming.Parse(
            """{"timestamp": {"seconds": 1795710985, "microseconds": 124063}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}"""));
        Assert.Equal("SHUTDOWN", ev.Event.Name);
        Assert.True(ev.Event.Data.GetProperty("guest").GetBoolean());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795710985).AddTicks(1240630), ev.Event.Timestamp);
    }

    [Fact]
    public void Parse_rejects_malformed_json()
    {
        Assert.ThrowsAny<JsonException>(() => QmpFraming.Parse("{\"return\": "));
    }
}
