using System.Text.Json;

namespace Berth.Runtime.Vm.Qmp;

/// <summary>An asynchronous QMP event, e.g. <c>SHUTDOWN</c> with <c>{"guest": true, "reason": "guest-shutdown"}</c>.</summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);
