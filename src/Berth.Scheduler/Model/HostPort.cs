namespace Berth.Scheduler.Model;

/// <summary>A host port a pod asks for: protocol (TCP when unset), host IP (0.0.0.0 when unset), port.</summary>
internal readonly record struct HostPort(string Protocol, string Ip, int Port)
{
    public const string AnyIp = "0.0.0.0";

    /// <summary>Conflict as <c>HostPortInfo.CheckConflict</c>: same protocol and port, and either side binds all addresses or both the same one.</summary>
    public bool ConflictsWith(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol && (Ip == AnyIp || other.Ip == AnyIp || Ip == other.Ip);
}
