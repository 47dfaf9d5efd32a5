namespace Berth.Controllers.Runtime;

/// <summary>The controller manager's identity in leader election (stable per server, e.g. host name + data dir).</summary>
public sealed record ControllerManagerOptions(string Identity);
