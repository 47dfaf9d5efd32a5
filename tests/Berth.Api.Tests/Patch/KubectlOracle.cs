using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Berth.Api.Tests.Patch;

/// <summary>
/// Runs kubectl commands that work without a cluster and use apimachinery's own code client-side:
/// <c>kubectl patch --local</c> (strategicpatch, evanphx/json-patch) and <c>kubectl set selector --local</c>
/// (labels.Parse), so Berth's implementations can be compared with Kubernetes'.
/// Files live in a <c>bt-patch-*</c> temporary directory removed on dispose.
/// </summary>
internal sealed class KubectlOracle : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-patch-").FullName;
    private int _files;

    /// <summary>The kubectl on PATH, or a failure saying what to install.</summary>
    public static string Kubectl()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("kubectl not found on PATH: these tests compare Berth's patching with kubectl's (install kubectl 1.32, preinstalled on the build machine)");
    }

    /// <summary>The patched object, or the error kubectl printed (<c>error: MESSAGE</c>; a Go panic is prefixed the same way).</summary>
    public string Patch(JsonObject live, string type, string patch) =>
        Run("patch", "--local", "-f", Write(live), "--type", type, "-p", patch, "-o", "json");

    /// <summary>Writes <paramref name="obj"/> to a new file in the temporary directory and returns its path.</summary>
    public string Write(JsonObject obj)
    {
        var file = Path.Combine(_dir, $"obj{Interlocked.Increment(ref _files)}.json");
        File.WriteAllText(file, obj.ToJsonString());
        return file;
    }

    /// <summary>Runs kubectl without a cluster (an empty kubeconfig); stdout on success, else <c>error: MESSAGE</c>.</summary>
    public string Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["KUBECONFIG"] = Path.Combine(_dir, "no-kubeconfig");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {args[0]} did not finish in 30 s");
        }

        if (process.ExitCode == 0)
        {
            return stdout.Result;
        }

        var error = stderr.Result.Trim();
        return error.StartsWith("error: ", StringComparison.Ordinal) ? error : "error: " + error;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
