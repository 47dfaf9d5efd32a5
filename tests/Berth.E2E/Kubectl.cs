using Berth.Testing;
using System.Diagnostics;

namespace Berth.E2E;

/// <summary>Runs the real kubectl against a berth process, with its own discovery cache.</summary>
public sealed class Kubectl(string kubeconfig, string cacheDir)
{
    public string Kubeconfig { get; } = kubeconfig;

    public async Task<KubectlResult> RunAsync(string args, string? stdin = null, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        // Global flags first: after `exec POD --` they would reach the container's command.
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(cacheDir);
        foreach (var a in SplitArgs(args))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["KUBECONFIG"] = Kubeconfig;
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }

        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException($"kubectl {args} did not finish in time; output so far: {await stdout}{await stderr}");
        }

        return new KubectlResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and requires exit code 0.</summary>
    public async Task<string> OkAsync(string args, string? stdin = null, IDictionary<string, string>? env = null)
    {
        var r = await RunAsync(args, stdin, env);
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"kubectl {args} failed ({r.ExitCode}):\n{r.Stdout}\n{r.Stderr}");
        }

        return r.Stdout;
    }

    private static IEnumerable<string> SplitArgs(string args)
    {
        var current = new System.Text.StringBuilder();
        char? quote = null;
        foreach (var c in args)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr);
