namespace Berth.Bench.Scenarios;

/// <summary>What every boot path shares: the same images, guest size and user-data.</summary>
internal sealed record VmBootContext(VmBootImages Images, int MemoryMiB, string WorkDir, TimeSpan Timeout)
{
    /// <summary>The guest starts busybox httpd from its cloud-init user-data; "HTTP answers" is the finish line of every path.</summary>
    public const string UserData = "#!/bin/sh\nmkdir -p /srv && echo ok >/srv/index.html && httpd -p 80 -h /srv\n";

    /// <summary>Kernel arguments of every path: quiet, so the serial console costs the same everywhere.</summary>
    public const string Cmdline = "console=ttyS0 quiet";

    /// <summary>The runtime's default TCG translation cache, used by every path.</summary>
    public static int TcgCacheMiB { get; } = new Berth.Runtime.Vm.VmRuntimeOptions { StateRoot = "/" }.TcgTranslationCacheMiB ?? 1024;

    /// <summary>Accelerator options of every path (the runtime's defaults).</summary>
    public static string Accel => "tcg,tb-size=" + TcgCacheMiB.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
