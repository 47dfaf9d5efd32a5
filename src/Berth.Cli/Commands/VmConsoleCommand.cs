using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Runtime.Vm;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth vm console NAME [-n NS] [--data-dir DIR]</c>: attaches the terminal to the serial console of a running VM,
/// as <c>virtctl console</c> does. NAME is a VirtualMachineInstance (a VM's VMI has the VM's name) or a pod with
/// <c>runtimeClassName: vm</c>. The VM runs as its pod, whose uid is the VM runtime's id: the console is QEMU's socket
/// <c>DIR/vm/POD-UID/console.sock</c> on the node that runs it (<see cref="VmPaths.ConsoleSocket"/>), so this verb runs on
/// that node, with that node's data directory. The socket is opened directly rather than through a second
/// <see cref="VmRuntime"/>, which would adopt the VM (QMP, console copying) from under the agent's. The terminal is put
/// in raw mode while attached; Ctrl-] detaches (the VM keeps running); the console has one client at a time.
/// </summary>
public sealed class VmConsoleCommand : AsyncCommand<VmSettings>
{
    /// <summary>Ctrl-], virtctl's and telnet's escape.</summary>
    public const byte Escape = 0x1d;

    public override async Task<int> ExecuteAsync(CommandContext context, VmSettings settings, CancellationToken cancellationToken)
    {
        string socketPath;
        try
        {
            using var api = VmApi.FromKubeconfig(settings.ResolvedKubeconfig);
            var (uid, node, problem) = await FindPodAsync(api, settings, cancellationToken);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"berth: {problem}");
                return 1;
            }

            socketPath = new VmPaths(Path.Combine(settings.ResolvedDataDir, "vm", uid!)).ConsoleSocket;
            if (!File.Exists(socketPath))
            {
                await Console.Error.WriteLineAsync($"berth: no console socket at {socketPath}: VM {settings.Name} runs on node {node}; " +
                    "run `berth vm console` on that node, with the --data-dir its agent uses");
                return 1;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or HttpRequestException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"berth: {e.Message}");
            return 1;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"berth: cannot attach to the console of {settings.Name}: {e.Message} (is another console attached?)");
            return 1;
        }

        await Console.Error.WriteLineAsync($"Successfully connected to {settings.Name} console. The escape sequence is ^]");
        var restore = Console.IsInputRedirected ? null : Stty("-g");
        if (restore is not null)
        {
            Stty("raw -echo");
        }

        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await PumpAsync(stream, Console.OpenStandardInput(), Console.OpenStandardOutput(), cancellationToken);
        }
        finally
        {
            if (restore is not null)
            {
                Stty(restore.Trim());
            }
        }

        await Console.Error.WriteLineAsync();
        return 0;
    }

    /// <summary>
    /// Copies the console to <paramref name="output"/> and <paramref name="input"/> to the console until the input
    /// sends <see cref="Escape"/> or ends, or the console closes (the VM stopped).
    /// </summary>
    public static async Task PumpAsync(Stream console, Stream input, Stream output, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fromConsole = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await console.ReadAsync(buffer, stop.Token)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, n), stop.Token);
                await output.FlushAsync(stop.Token);
            }
        }, stop.Token);
        var toConsole = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            int n;
            while ((n = await input.ReadAsync(buffer, stop.Token)) > 0)
            {
                var escape = Array.IndexOf(buffer, Escape, 0, n);
                await console.WriteAsync(buffer.AsMemory(0, escape < 0 ? n : escape), stop.Token);
                if (escape >= 0)
                {
                    return;
                }
            }
        }, stop.Token);
        await Task.WhenAny(fromConsole, toConsole);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(fromConsole, toConsole);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>The pod that runs NAME: the VMI's active pod, else a VM pod of that name.</summary>
    private static async Task<(string? Uid, string? Node, string? Problem)> FindPodAsync(VmApi api, VmSettings s, CancellationToken ct)
    {
        var ns = Uri.EscapeDataString(s.Namespace);
        var (code, vmi) = await api.SendAsync(HttpMethod.Get, $"apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances/{Uri.EscapeDataString(s.Name)}", null, ct);
        if (code == 200)
        {
            var phase = vmi?["status"]?["phase"]?.GetValue<string>();
            var active = vmi?["status"]?["activePods"] as JsonObject;
            if (phase != "Running" || active is null || active.Count == 0)
            {
                return (null, null, $"VirtualMachineInstance {s.Name} is not running (phase {phase ?? "<none>"})");
            }

            var pod = active.First();
            return (pod.Key, pod.Value?.GetValue<string>(), null);
        }

        if (code != 404)
        {
            return (null, null, VmApi.Message(code, vmi));
        }

        var (podCode, podObj) = await api.SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/{Uri.EscapeDataString(s.Name)}", null, ct);
        if (podCode != 200 || podObj?["spec"]?["runtimeClassName"]?.GetValue<string>() != "vm")
        {
            return (null, null, $"VirtualMachineInstance {s.Name} in namespace {s.Namespace} not found");
        }

        return (podObj["metadata"]?["uid"]?.GetValue<string>(), podObj["spec"]?["nodeName"]?.GetValue<string>(), null);
    }

    /// <summary>Runs <c>stty ARGS</c> on the terminal (stdin is inherited); returns its output, or null when it fails.</summary>
    private static string? Stty(string args)
    {
        try
        {
            var psi = new ProcessStartInfo("stty") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
