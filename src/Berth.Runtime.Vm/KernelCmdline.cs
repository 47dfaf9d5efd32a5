namespace Berth.Runtime.Vm;

/// <summary>The kernel command line of a <see cref="KernelBoot"/> guest.</summary>
public static class KernelCmdline
{
    /// <summary>
    /// The user's arguments with <c>console=ttyS0</c> appended when they name no console: the
    /// serial console is the pod's log, so the kernel must print there. Network settings go in the
    /// NoCloud network-config, not here (the example guest also reads <c>berth.ip=</c>, see examples/vm).
    /// </summary>
    public static string Build(string? userArgs)
    {
        var args = (userArgs ?? "").Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!args.Any(a => a.StartsWith("console=", StringComparison.Ordinal)))
        {
            args.Add("console=ttyS0");
        }

        return string.Join(' ', args);
    }
}
