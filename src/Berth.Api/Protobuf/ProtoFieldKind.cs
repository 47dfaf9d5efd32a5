namespace Berth.Api.Protobuf;

public enum ProtoFieldKind
{
    Single,
    Repeated,
    Map,
}
