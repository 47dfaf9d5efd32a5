namespace Berth.Cli.Commands;

/// <summary><c>berth vm start NAME [-n NS]</c>: asks the API to start a VirtualMachine (as <c>virtctl start</c> does).</summary>
public sealed class VmStartCommand() : VmLifecycleCommand("start", "starting");
