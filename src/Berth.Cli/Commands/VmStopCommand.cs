namespace Berth.Cli.Commands;

/// <summary><c>berth vm stop NAME [-n NS]</c>: asks the API to stop a VirtualMachine (as <c>virtctl stop</c> does).</summary>
public sealed class VmStopCommand() : VmLifecycleCommand("stop", "stopping");
