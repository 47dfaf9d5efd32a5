using System.ComponentModel;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>
/// Options every <c>berth vm</c> verb takes: the VirtualMachine, its namespace, and how to reach the API. The
/// kubeconfig is <c>--kubeconfig</c>, else <c>DIR/kubeconfig</c> when <c>--data-dir</c> is given, else
/// <c>$KUBECONFIG</c>, else <c>/var/lib/berth/kubeconfig</c> (what <c>berth up</c> writes by default).
/// </summary>
public class VmSettings : CommandSettings
{
    public const string DefaultDataDir = "/var/lib/berth";

    [CommandArgument(0, "<NAME>")]
    [Description("The VirtualMachine (for console: the VirtualMachineInstance)")]
    public string Name { get; init; } = "";

    [CommandOption("-n|--namespace <NS>")]
    [Description("Its namespace. Default: default")]
    public string Namespace { get; init; } = "default";

    [CommandOption("--data-dir <DIR>")]
    [Description("The data directory given to `berth up` (its kubeconfig, and for console the node's VM state). Default /var/lib/berth")]
    public string? DataDir { get; init; }

    [CommandOption("--kubeconfig <FILE>")]
    [Description("The kubeconfig to use instead of DIR/kubeconfig or $KUBECONFIG")]
    public string? Kubeconfig { get; init; }

    public string ResolvedDataDir => Path.GetFullPath(DataDir ?? DefaultDataDir);

    public string ResolvedKubeconfig =>
        Kubeconfig
        ?? (DataDir is not null ? Path.Combine(ResolvedDataDir, "kubeconfig") : null)
        ?? (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env ? env.Split(':')[0] : null)
        ?? Path.Combine(DefaultDataDir, "kubeconfig");
}
