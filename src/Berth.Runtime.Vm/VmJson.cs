using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Vm;

/// <summary>How the runtime's state files are written: indented JSON, enums as strings (source-generated: <see cref="VmJsonContext"/>).</summary>
internal static class VmJson
{
    public static JsonSerializerOptions Options => VmJsonContext.Default.Options;

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

/// <summary>The runtime's state files; a type written or read through <see cref="VmJson"/> must be listed here.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true, Converters = [typeof(IPAddressJsonConverter)])]
[JsonSerializable(typeof(VmRecord))]
[JsonSerializable(typeof(ShutdownRecord))]
[JsonSerializable(typeof(StopRecord))]
[JsonSerializable(typeof(VmRuntime.AccelerationCache))]
internal sealed partial class VmJsonContext : JsonSerializerContext;
