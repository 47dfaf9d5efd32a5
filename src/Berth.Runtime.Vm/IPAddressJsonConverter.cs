using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Vm;

/// <summary>IP addresses as their string form in the persisted VM record.</summary>
internal sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } s ? IPAddress.Parse(s) : null;

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
