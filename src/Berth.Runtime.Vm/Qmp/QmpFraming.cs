using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Runtime.Vm.Qmp;

/// <summary>QMP wire format: commands out, messages in (https://www.qemu.org/docs/master/interop/qmp-spec.html).</summary>
public static class QmpFraming
{
    /// <summary><c>{"execute": COMMAND, "arguments": ARGS, "id": ID}</c> and a newline, UTF-8.</summary>
    public static byte[] Command(string command, JsonObject? arguments, long id)
    {
        var obj = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            obj["arguments"] = arguments.DeepClone();
        }

        obj["id"] = id;
        return Encoding.UTF8.GetBytes(obj.ToJsonString() + "\n");
    }

    /// <summary>Classifies one line from the server. Throws <see cref="JsonException"/> on malformed JSON.</summary>
    public static QmpMessage Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement.Clone();
        long? id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var n) ? n : null;
        if (root.TryGetProperty("QMP", out var greeting))
        {
            return new QmpMessage.GreetingMessage(greeting);
        }

        if (root.TryGetProperty("return", out var value))
        {
            return new QmpMessage.ReturnMessage(id, value);
        }

        if (root.TryGetProperty("error", out var error))
        {
            var cls = error.TryGetProperty("class", out var c) ? c.GetString() ?? "" : "";
            var desc = error.TryGetProperty("desc", out var d) ? d.GetString() ?? "" : "";
            return new QmpMessage.ErrorMessage(id, cls, desc);
        }

        if (root.TryGetProperty("event", out var ev))
        {
            var data = root.TryGetProperty("data", out var dataElement) ? dataElement : default;
            var ts = DateTimeOffset.UnixEpoch;
            if (root.TryGetProperty("timestamp", out var t)
                && t.TryGetProperty("seconds", out var s) && t.TryGetProperty("microseconds", out var us))
            {
                ts = DateTimeOffset.FromUnixTimeSeconds(s.GetInt64()).AddTicks(us.GetInt64() * 10);
            }

            return new QmpMessage.EventMessage(new QmpEvent(ev.GetString() ?? "", data, ts));
        }

        return new QmpMessage.UnknownMessage(root);
    }
}
