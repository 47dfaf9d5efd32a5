using System.Diagnostics;

namespace Berth.Network.Host;

/// <summary>
/// Runs short-lived host tools (<c>ip</c>, <c>iptables</c>, <c>nft</c>, CNI plugins) that exit on their own,
/// so reading their stdout to the end through a pipe is safe. Never use it for daemons.
/// </summary>
public static class HostCommand
{
    /// <summary>Runs <paramref name="file"/> and returns its result whatever its exit code.</summary>
    public static async Task<CommandResult> RunAsync(
        string file,
        IEnumerable<string> arguments,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
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
            throw new FileNotFoundException($"cannot run '{file}': {e.Message} (is its Debian package installed? see scripts/install-host-packages)", file, e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            throw;
        }

        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="file"/> and throws <see cref="HostCommandException"/> unless it exits 0.</summary>
    public static async Task<string> RunCheckedAsync(
        string file,
        IEnumerable<string> arguments,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        var args = arguments as IReadOnlyList<string> ?? arguments.ToList();
        var r = await RunAsync(file, args, standardInput, null, cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            throw new HostCommandException(file, args, r);
        }

        return r.StandardOutput;
    }
}
