using System.Diagnostics;
using System.Text;

namespace Berth.Runtime.Vm;

/// <summary>
/// Decides whether VMs may use KVM: only when a real boot proves it. Having <c>/dev/kvm</c> is
/// not enough: here it is nested PVM, where <c>-cpu host</c> aborts (MSR 0x10a) and other CPU
/// models hang after "Probing EDD". The probe boots a stock kernel with <c>-accel kvm -cpu host</c>,
/// no initrd and <c>panic=-1 -no-reboot</c>, and succeeds when the kernel gets as far as
/// mounting its root file system (it then panics and QEMU exits): a fully booted kernel under
/// KVM. Anything else (no device, an error, an abort, silence until the timeout) means TCG.
/// </summary>
public static class KvmProbe
{
    /// <summary>Console lines that appear only once the kernel has initialised its drivers and looks for init/root.</summary>
    internal static readonly string[] Markers = ["VFS: Unable to mount root", "Kernel panic - not syncing: VFS", "Run /init", "Freeing unused kernel"];

    public static AccelerationDecision Decide(KvmProbeOutcome o)
    {
        if (!o.DevicePresent)
        {
            return Tcg("no /dev/kvm on this host", o);
        }

        if (o.DeviceError is not null)
        {
            return Tcg($"/dev/kvm cannot be opened: {o.DeviceError}", o);
        }

        if (o.Kernel is null)
        {
            return Tcg("no kernel to probe with (install linux-image-amd64)", o);
        }

        if (o.ReachedMarker)
        {
            return new AccelerationDecision(Accelerator.Kvm, $"KVM probe boot reached the kernel's root mount in {o.Duration.TotalSeconds:0.0} s", o.Duration);
        }

        if (o.TimedOut)
        {
            return Tcg($"KVM probe boot did not finish booting a kernel within {o.Duration.TotalSeconds:0} s (nested or broken KVM)", o);
        }

        var last = TellingLine(o.Output);
        return Tcg($"KVM probe boot failed: qemu exited {o.ExitCode}{(last.Length > 0 ? ": " + last : "")}", o);
    }

    /// <summary>Runs the probe (at most <see cref="KvmProbeOptions.Timeout"/>) and decides.</summary>
    public static async Task<AccelerationDecision> RunAsync(KvmProbeOptions options, string qemuPath, CancellationToken cancellationToken)
    {
        return Decide(await BootAsync(options, qemuPath, cancellationToken));
    }

    internal static async Task<KvmProbeOutcome> BootAsync(KvmProbeOptions options, string qemuPath, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        if (!File.Exists(options.DevicePath))
        {
            return new KvmProbeOutcome(false, null, null, false, null, false, "", TimeSpan.Zero);
        }

        try
        {
            using var dev = new FileStream(options.DevicePath, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new KvmProbeOutcome(true, e.Message, null, false, null, false, "", TimeSpan.Zero);
        }

        var kernel = options.KernelPath ?? NewestBootKernel();
        if (kernel is null || !File.Exists(kernel))
        {
            return new KvmProbeOutcome(true, null, null, false, null, false, "", TimeSpan.Zero);
        }

        var psi = new ProcessStartInfo(qemuPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "-nodefaults", "-no-user-config", "-display", "none", "-machine", "pc", "-accel", "kvm", "-cpu", "host",
            "-m", "128M", "-no-reboot", "-kernel", kernel, "-append", "console=ttyS0 panic=-1 loglevel=7", "-serial", "stdio",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var output = new StringBuilder();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = psi };
        void OnData(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (Markers.Any(m => e.Data.Contains(m, StringComparison.Ordinal)))
            {
                reached.TrySetResult();
            }
        }

        process.OutputDataReceived += OnData;
        process.ErrorDataReceived += OnData;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        var exited = process.WaitForExitAsync(cancellationToken);
        var timeout = Task.Delay(options.Timeout, cancellationToken);
        var first = await Task.WhenAny(reached.Task, exited, timeout);
        var timedOut = first == timeout && !reached.Task.IsCompleted;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        return new KvmProbeOutcome(true, null, kernel, reached.Task.IsCompleted, process.ExitCode, timedOut, text, Stopwatch.GetElapsedTime(start));
    }

    internal static string? NewestBootKernel() =>
        Directory.Exists("/boot")
            ? Directory.GetFiles("/boot", "vmlinuz-*").OrderByDescending(f => File.GetLastWriteTimeUtc(f)).FirstOrDefault()
            : null;

    private static AccelerationDecision Tcg(string why, KvmProbeOutcome o) =>
        new(Accelerator.Tcg, why + "; using TCG (software emulation, several times slower)", o.Duration);

    /// <summary>The first line that mentions an error, else the last line.</summary>
    private static string TellingLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? (lines.Length == 0 ? "" : lines[^1]);
        return line.Length > 200 ? line[..200] : line;
    }
}
