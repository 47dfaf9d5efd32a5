using System.Globalization;
using System.Text.Json.Nodes;

namespace Berth.Controllers.Tests.Support;

/// <summary>Builders of the objects tests create (valid as the API's strategies require).</summary>
public static class TestObjects
{
    public static JsonObject ReadyCondition(DateTimeOffset now) => new()
    {
        ["type"] = "Ready",
        ["status"] = "True",
        ["reason"] = "KubeletReady",
        ["message"] = "kubelet is posting ready status",
        ["lastHeartbeatTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["lastTransitionTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    /// <summary>A KWOK-style node: Ready, with capacity, and no agent behind it.</summary>
    public static JsonObject Node(string name, IDictionary<string, string>? labels = null, string cpu = "8", string memory = "32Gi", int pods = 110,
        JsonArray? taints = null)
    {
        var l = new JsonObject
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["type"] = "kwok",
        };
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            l[k] = v;
        }

        var capacity = new JsonObject { ["cpu"] = cpu, ["memory"] = memory, ["pods"] = pods.ToString(CultureInfo.InvariantCulture) };
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = l },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["conditions"] = new JsonArray(ReadyCondition(DateTimeOffset.UtcNow)),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "10.0.0.1" }),
            },
        };
        if (taints is not null)
        {
            node["spec"]!["taints"] = taints;
        }

        return node;
    }

    public static JsonObject Container(string image = "nginx:1.27", string name = "app") => new()
    {
        ["name"] = name,
        ["image"] = image,
        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" } },
    };

    public static JsonObject Template(string app, string image = "nginx:1.27", string restartPolicy = "Always") => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(Container(image)),
            ["restartPolicy"] = restartPolicy,
            ["terminationGracePeriodSeconds"] = 30,
        },
    };

    public static JsonObject Deployment(string ns, string name, int replicas, string image = "nginx:1.27", JsonObject? strategy = null)
    {
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = Template(name, image),
        };
        if (strategy is not null)
        {
            spec["strategy"] = strategy;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    public static JsonObject ReplicaSet(string ns, string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "ReplicaSet",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = Template(name),
        },
    };

    public static JsonObject Pod(string ns, string name, IDictionary<string, string>? labels = null, JsonObject? extraSpec = null)
    {
        var l = new JsonObject();
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            l[k] = v;
        }

        var spec = new JsonObject { ["containers"] = new JsonArray(Container()) };
        foreach (var (k, v) in extraSpec ?? [])
        {
            spec[k] = v?.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = l },
            ["spec"] = spec,
        };
    }

    public static JsonObject Namespace(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = name },
    };
}
