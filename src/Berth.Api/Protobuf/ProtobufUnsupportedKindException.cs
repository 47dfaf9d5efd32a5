namespace Berth.Api.Protobuf;

/// <summary>
/// A well-formed envelope whose apiVersion/kind is not in Berth's protobuf schema (for example a group Berth
/// does not serve). The API server answers it with 415 UnsupportedMediaType: the client may send JSON instead.
/// </summary>
public sealed class ProtobufUnsupportedKindException(string apiVersion, string kind)
    : ProtobufFormatException($"protobuf bodies of {kind} ({apiVersion}) are not supported; send the object as application/json")
{
    public string ApiVersion { get; } = apiVersion;

    public string Kind { get; } = kind;
}
