using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Server.Http;

/// <summary>
/// The discovery documents kubectl reads first (<c>/api</c>, <c>/apis</c>, <c>/apis/{g}</c>,
/// resource lists), in their legacy JSON shapes, which current clients accept when the reply's
/// Content-Type is plain application/json. Built once from the <see cref="ResourceRegistry"/>.
/// </summary>
public sealed class Discovery
{
    private readonly ResourceRegistry _registry;
    private readonly Dictionary<string, byte[]> _resourceLists = [];
    private readonly Dictionary<string, byte[]> _groups = [];

    public Discovery(ResourceRegistry registry, string serverAddress)
    {
        _registry = registry;
        CoreVersions = Bytes(new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
        });

        var groups = new JsonArray();
        foreach (var group in registry.Groups.Where(g => g.Length > 0))
        {
            var g = GroupJson(group);
            groups.Add(g.DeepClone());
            g["kind"] = "APIGroup";
            g["apiVersion"] = "v1";
            _groups[group] = Bytes(g);
        }

        GroupList = Bytes(new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups });

        foreach (var gv in registry.Types.Select(t => (t.Group, t.Version)).Distinct())
        {
            _resourceLists[Key(gv.Group, gv.Version)] = Bytes(ResourceList(gv.Group, gv.Version));
        }
    }

    /// <summary><c>GET /api</c>.</summary>
    public byte[] CoreVersions { get; }

    /// <summary><c>GET /apis</c>.</summary>
    public byte[] GroupList { get; }

    /// <summary><c>GET /apis/{group}</c>, or null when the group is not served.</summary>
    public byte[]? Group(string group) => _groups.GetValueOrDefault(group);

    /// <summary><c>GET /api/v1</c> or <c>/apis/{group}/{version}</c>, or null when not served.</summary>
    public byte[]? ResourceListBytes(string group, string version) => _resourceLists.GetValueOrDefault(Key(group, version));

    private JsonObject GroupJson(string group)
    {
        var versions = new JsonArray();
        foreach (var v in _registry.VersionsOf(group))
        {
            versions.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        }

        var preferred = _registry.VersionsOf(group).First();
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = versions,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{preferred}", ["version"] = preferred },
        };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in _registry.InGroupVersion(group, version))
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            };
            if (t.ShortNames.Count > 0)
            {
                r["shortNames"] = new JsonArray(t.ShortNames.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
            }

            if (t.Categories.Count > 0)
            {
                r["categories"] = new JsonArray(t.Categories.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
            }

            resources.Add(r);
            foreach (var s in t.Subresources)
            {
                var sr = new JsonObject
                {
                    ["name"] = $"{t.Plural}/{s.Name}",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                };
                if (s.Group is not null)
                {
                    sr["group"] = s.Group;
                    sr["version"] = s.Version;
                }

                sr["kind"] = s.Kind ?? t.Kind;
                sr["verbs"] = new JsonArray(s.Verbs.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
                resources.Add(sr);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static string Key(string group, string version) => $"{group}/{version}";

    private static byte[] Bytes(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
}
