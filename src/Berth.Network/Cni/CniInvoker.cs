using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Network.Host;

namespace Berth.Network.Cni;

/// <summary>
/// Executes one CNI plugin binary as the spec describes: the operation and parameters in the environment,
/// the network configuration as JSON on stdin, the result (or an error object) as JSON on stdout.
/// See https://github.com/containernetworking/cni/blob/main/SPEC.md#section-2-execution-protocol.
/// </summary>
public sealed class CniInvoker(string pluginDirectory)
{
    public string PluginDirectory { get; } = pluginDirectory;

    /// <summary>
    /// Runs the plugin named by <paramref name="config"/>'s <c>type</c> with <paramref name="command"/>
    /// (ADD, DEL, CHECK, VERSION). Returns the parsed stdout (null when the plugin printed nothing, as DEL
    /// and CHECK may). Throws <see cref="CniException"/> when the plugin exits non-zero.
    /// </summary>
    public async Task<JsonObject?> InvokeAsync(string command, JsonObject config, CniRuntimeArgs args, CancellationToken cancellationToken = default)
    {
        var type = config["type"]?.GetValue<string>() ?? throw new ArgumentException("plugin config has no 'type'", nameof(config));
        var binary = Path.Combine(PluginDirectory, type);
        if (!File.Exists(binary))
        {
            throw new CniException(type, command, 0, $"plugin binary {binary} not found; install Debian's containernetworking-plugins (scripts/install-host-packages)", null);
        }

        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = args.ContainerId,
            ["CNI_NETNS"] = args.NetnsPath,
            ["CNI_IFNAME"] = args.InterfaceName,
            ["CNI_PATH"] = PluginDirectory,
            ["CNI_ARGS"] = args.Args is { Count: > 0 } a ? string.Join(';', a.Select(kv => $"{kv.Key}={kv.Value}")) : "",
        };

        var result = await HostCommand.RunAsync(binary, [], config.ToJsonString(), env, cancellationToken).ConfigureAwait(false);
        JsonObject? parsed = null;
        if (!string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            try
            {
                parsed = JsonNode.Parse(result.StandardOutput) as JsonObject;
            }
            catch (JsonException) when (!result.Succeeded)
            {
                // An unparsable error: reported below with stdout and stderr.
            }
        }

        if (!result.Succeeded)
        {
            var code = parsed?["code"]?.GetValue<int>() ?? 0;
            var msg = parsed?["msg"]?.GetValue<string>() ?? (result.StandardOutput + result.StandardError).Trim();
            var details = parsed?["details"]?.GetValue<string>();
            throw new CniException(type, command, code, msg, details);
        }

        return parsed;
    }
}
