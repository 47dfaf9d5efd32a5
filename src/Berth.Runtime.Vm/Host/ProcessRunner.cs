using System.Diagnostics;

namespace Berth.Runtime.Vm.Host;

/// <summary>Runs a short-lived host tool (ip, iptables, qemu-img, mkfs.vfat...) to completion.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new VmRuntimeException($"cannot run {file}: {e.Message} (is its Debian package installed? see scripts/install-host-packages)", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new VmRuntimeException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>As <see cref="RunAsync"/>, throwing <see cref="VmRuntimeException"/> with the tool's stderr when it fails.</summary>
    public static async Task<ProcessResult> CheckAsync(
        string file, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var list = args.ToList();
        var result = await RunAsync(file, list, stdin, env, timeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new VmRuntimeException($"{file} {string.Join(' ', list)} failed ({result.ExitCode}): {result.Describe()}");
        }

        return result;
    }
}
