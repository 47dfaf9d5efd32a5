using System.Diagnostics;

namespace Berth.Runtime.Oci.Tests;

/// <summary>
/// Debian's <c>docker-registry</c> (distribution 2.8) as a child process on a loopback port with its
/// own storage, optionally with TLS. Output goes to a file (never a pipe). Killed on dispose.
/// </summary>
internal sealed class RegistryServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDir _dir;

    private RegistryServer(Process process, TempDir dir, int port, bool tls)
    {
        _process = process;
        _dir = dir;
        Port = port;
        Tls = tls;
    }

    public int Port { get; }

    public bool Tls { get; }

    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The registry's filesystem storage (blobs under docker/registry/v2/blobs).</summary>
    public string StorageDir => Path.Combine(_dir.Path, "data");

    public string Log => File.Exists(Path.Combine(_dir.Path, "log")) ? File.ReadAllText(Path.Combine(_dir.Path, "log")) : "";

    public static async Task<RegistryServer> StartAsync(string? certFile = null, string? keyFile = null)
    {
        var exe = TestEnvironment.Require("docker-registry", "docker-registry");
        var dir = new TempDir("registry");
        var port = TestEnvironment.FreePort();
        var tls = certFile is null ? "" : $"\n  tls:\n    certificate: {certFile}\n    key: {keyFile}";
        var config = Path.Combine(dir.Path, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {dir.Path}/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}{tls}
            """);
        var psi = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec \"$0\" serve \"$1\" </dev/null >\"$2\" 2>&1", exe, config, Path.Combine(dir.Path, "log") } };
        var process = Process.Start(psi)!;
        var server = new RegistryServer(process, dir, port, certFile is not null);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var r = await http.GetAsync($"{(server.Tls ? "https" : "http")}://127.0.0.1:{port}/v2/");
                if (r.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }
            if (DateTime.UtcNow >= deadline || process.HasExited)
            {
                var log = server.Log;
                await server.DisposeAsync();
                throw new InvalidOperationException($"docker-registry did not answer /v2/ within 15 s: {log}");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _dir.Dispose();
    }
}
