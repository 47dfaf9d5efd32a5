using System.Text.Json;

namespace Berth.Runtime.Vm.Qmp;

/// <summary>One message from a QMP server, classified by <see cref="QmpFraming.Parse"/>.</summary>
public abstract record QmpMessage
{
    public sealed record GreetingMessage(JsonElement Body) : QmpMessage;

    public sealed record ReturnMessage(long? Id, JsonElement Value) : QmpMessage;

    public sealed record ErrorMessage(long? Id, string Class, string Description) : QmpMessage;

    public sealed record EventMessage(QmpEvent Event) : QmpMessage;

    public sealed record UnknownMessage(JsonElement Body) : QmpMessage;
}
