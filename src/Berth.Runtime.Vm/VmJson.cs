using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Vm;

/// <summary>How the runtime's state files are written: indented JSON, enums as strings.</summary>
internal static class VmJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(), new IPAddressJsonConverter() },
    };

    public static T? Read<T>(string path)
        where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) : null;

    /// <summary>Writes atomically (temp file + rename), so a crash never leaves half a file.</summary>
    public static void Write<T>(string path, T value)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(value, Options));
        File.Move(tmp, path, overwrite: true);
    }
}
