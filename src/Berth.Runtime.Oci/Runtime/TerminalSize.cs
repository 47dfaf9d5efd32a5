namespace Berth.Runtime.Oci.Runtime;

/// <summary>A terminal size in character cells (Kubernetes' resize channel sends {"Width":..,"Height":..}).</summary>
public readonly record struct TerminalSize(ushort Width, ushort Height);
