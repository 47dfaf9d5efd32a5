using System.Net;

namespace Berth.Network.Services;

/// <summary>One ready backend of a service port: a pod address and the target port resolved for that pod.</summary>
public sealed record ProxyEndpoint(IPAddress Address, int Port);
