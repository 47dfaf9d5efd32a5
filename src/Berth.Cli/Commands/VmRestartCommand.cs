namespace Berth.Cli.Commands;

/// <summary><c>berth vm restart NAME [-n NS]</c>: asks the API to restart a VirtualMachine (as <c>virtctl restart</c> does).</summary>
public sealed class VmRestartCommand() : VmLifecycleCommand("restart", "restarting");
