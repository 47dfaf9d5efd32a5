using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// <c>status.conditions</c> of workload objects, with the rules of kube's <c>SetDeploymentCondition</c>
/// (also used for ReplicaSet, Job and node conditions): a condition whose status and reason did not change is
/// left alone; one whose status did not change keeps its <c>lastTransitionTime</c>.
/// </summary>
public static class Conditions
{
    public static JsonObject? Get(JsonObject? status, string type) =>
        Json.Array(status, "conditions")?.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    public static bool IsTrue(JsonObject? status, string type) => Json.String(Get(status, type), "status") == "True";

    /// <summary>Builds a condition; <paramref name="withUpdateTime"/> adds <c>lastUpdateTime</c> (Deployments).</summary>
    public static JsonObject New(string type, string status, string reason, string message, DateTimeOffset now, bool withUpdateTime = false)
    {
        var stamp = Timestamps.Format(now);
        var c = new JsonObject { ["type"] = type, ["status"] = status };
        if (withUpdateTime)
        {
            c["lastUpdateTime"] = stamp;
        }

        c["lastTransitionTime"] = stamp;
        c["reason"] = reason;
        c["message"] = message;
        return c;
    }

    /// <summary>Sets <paramref name="condition"/> in <paramref name="status"/>; returns whether anything changed.</summary>
    public static bool Set(JsonObject status, JsonObject condition)
    {
        var type = Json.String(condition, "type")!;
        var current = Get(status, type);
        if (current is not null && Json.String(current, "status") == Json.String(condition, "status")
            && Json.String(current, "reason") == Json.String(condition, "reason"))
        {
            return false;
        }

        if (current is not null && Json.String(current, "status") == Json.String(condition, "status"))
        {
            condition["lastTransitionTime"] = Json.String(current, "lastTransitionTime");
        }

        Remove(status, type);
        var list = status["conditions"] as JsonArray;
        if (list is null)
        {
            list = [];
            status["conditions"] = list;
        }

        list.Add(condition);
        return true;
    }

    public static bool Remove(JsonObject status, string type)
    {
        if (status["conditions"] is not JsonArray list)
        {
            return false;
        }

        var removed = false;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (Json.String(list[i], "type") == type)
            {
                list.RemoveAt(i);
                removed = true;
            }
        }

        if (list.Count == 0)
        {
            status.Remove("conditions");
        }

        return removed;
    }
}
