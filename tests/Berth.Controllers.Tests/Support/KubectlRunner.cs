using System.Diagnostics;

namespace Berth.Controllers.Tests.Support;

/// <summary>Runs the real kubectl (the preinstalled one) against a <see cref="TestCluster"/>, with a discovery cache of its own.</summary>
public sealed class KubectlRunner(string kubeconfig) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;

    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyList<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(_cache);
        psi.Environment["KUBECONFIG"] = kubeconfig;
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kubectl is needed for this test and was not found on PATH (it is preinstalled on the build machine)", e);
        }

        using (p)
        {
            if (stdin is not null)
            {
                await p.StandardInput.WriteAsync(stdin);
                p.StandardInput.Close();
            }

            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
            try
            {
                await p.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(true);
                throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish: {await stdout}{await stderr}");
            }

            if (Environment.GetEnvironmentVariable("BERTH_TEST_LOG") == "1")
            {
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} kubectl {string.Join(' ', args)} → {p.ExitCode}");
            }

            return (p.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Runs and requires exit code 0; returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args) => await OkWithInputAsync(null, args);

    public async Task<string> OkWithInputAsync(string? stdin, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args, stdin);
        if (code != 0)
        {
            throw new Xunit.Sdk.XunitException($"kubectl {string.Join(' ', args)} failed ({code}):\n{stdout}\n{stderr}");
        }

        return stdout;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_cache, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
