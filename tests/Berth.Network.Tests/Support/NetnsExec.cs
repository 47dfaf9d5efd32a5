using Berth.Network.Host;

namespace Berth.Network.Tests.Support;

internal static class NetnsExec
{
    /// <summary>Runs a short command inside a netns and returns its result.</summary>
    public static Task<CommandResult> RunAsync(string netnsName, params string[] command) =>
        HostCommand.RunAsync("ip", ["netns", "exec", netnsName, .. command]);
}
