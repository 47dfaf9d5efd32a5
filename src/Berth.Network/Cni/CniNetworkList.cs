using System.Text.Json.Nodes;

namespace Berth.Network.Cni;

/// <summary>
/// A network configuration list (a "conflist") and the derivation of each plugin's stdin from it, as the spec's
/// "Deriving execution configuration from plugin configuration" says: the plugin object plus the list's
/// <c>name</c> and <c>cniVersion</c>, <c>prevResult</c> for chained ADDs and for every DEL/CHECK, and
/// <c>runtimeConfig</c> holding only the capabilities the plugin declares.
/// See https://github.com/containernetworking/cni/blob/main/SPEC.md#section-4-plugin-delegation.
/// </summary>
public sealed class CniNetworkList(string name, string cniVersion, IReadOnlyList<JsonObject> plugins)
{
    public string Name { get; } = name;

    public string CniVersion { get; } = cniVersion;

    public IReadOnlyList<JsonObject> Plugins { get; } = plugins;

    /// <summary>The stdin of plugin <paramref name="index"/>.</summary>
    /// <param name="index">Position in <see cref="Plugins"/>.</param>
    /// <param name="prevResult">The previous plugin's result on ADD, the cached final ADD result on DEL/CHECK; null for the first ADD.</param>
    /// <param name="capabilityArgs">Runtime values by capability name (e.g. <c>portMappings</c>).</param>
    public JsonObject PluginConfig(int index, JsonObject? prevResult, IReadOnlyDictionary<string, JsonNode>? capabilityArgs)
    {
        var conf = (JsonObject)Plugins[index].DeepClone();
        conf["name"] = Name;
        conf["cniVersion"] = CniVersion;
        if (prevResult is not null)
        {
            conf["prevResult"] = prevResult.DeepClone();
        }

        if (conf["capabilities"] is JsonObject caps && capabilityArgs is not null)
        {
            var rc = new JsonObject();
            foreach (var (cap, enabled) in caps)
            {
                if (enabled?.GetValue<bool>() == true && capabilityArgs.TryGetValue(cap, out var value))
                {
                    rc[cap] = value.DeepClone();
                }
            }

            conf.Remove("capabilities");
            if (rc.Count > 0)
            {
                conf["runtimeConfig"] = rc;
            }
        }

        return conf;
    }

    public JsonObject ToJson() => new()
    {
        ["cniVersion"] = CniVersion,
        ["name"] = Name,
        ["plugins"] = new JsonArray(Plugins.Select(p => (JsonNode)p.DeepClone()).ToArray()),
    };
}
