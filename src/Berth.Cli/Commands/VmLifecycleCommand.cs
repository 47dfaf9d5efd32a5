using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary>
/// What <c>berth vm start|stop|restart</c> share: <c>PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/VERB</c>
/// (KubeVirt's virt-api path, which Berth serves), then virtctl's words: "VM NAME was scheduled to start", or
/// "Error starting VirtualMachine MESSAGE" and exit code 1.
/// </summary>
public abstract class VmLifecycleCommand(string verb, string gerund) : AsyncCommand<VmSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, VmSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var api = VmApi.FromKubeconfig(settings.ResolvedKubeconfig);
            var path = $"apis/subresources.kubevirt.io/v1/namespaces/{Uri.EscapeDataString(settings.Namespace)}/virtualmachines/{Uri.EscapeDataString(settings.Name)}/{verb}";
            var (code, body) = await api.SendAsync(HttpMethod.Put, path, "{}", cancellationToken);
            if (code is >= 200 and < 300)
            {
                Console.WriteLine($"VM {settings.Name} was scheduled to {verb}");
                return 0;
            }

            await Console.Error.WriteLineAsync($"Error {gerund} VirtualMachine {VmApi.Message(code, body)}");
            return 1;
        }
        catch (Exception e) when (e is FileNotFoundException or HttpRequestException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"berth: {e.Message}");
            return 1;
        }
    }
}
