using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// Conditions of VMIs and VMs (<c>{type, status, reason, message, lastProbeTime, lastTransitionTime}</c>), written so
/// that a status recomputed with the same facts is byte-for-byte the same: times change only when the status changes.
/// </summary>
public static class KubeVirtConditions
{
    public static JsonObject? Get(JsonArray? conditions, string type) =>
        conditions?.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    public static bool IsTrue(JsonArray? conditions, string type) => Json.String(Get(conditions, type), "status") == "True";

    /// <summary>Sets condition <paramref name="type"/>, keeping its transition time when the status does not change.</summary>
    public static void Set(JsonArray conditions, string type, string status, string? reason, string? message, string now)
    {
        var existing = Get(conditions, type);
        var transition = existing is not null && Json.String(existing, "status") == status
            ? Json.String(existing, "lastTransitionTime") ?? now
            : now;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = transition,
        };
        if (!string.IsNullOrEmpty(reason))
        {
            condition["reason"] = reason;
        }

        if (!string.IsNullOrEmpty(message))
        {
            condition["message"] = message;
        }

        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    /// <summary>Copies a condition as it is (a pod's PodScheduled onto its VMI, a VMI's onto its VM).</summary>
    public static void Copy(JsonArray conditions, JsonObject source)
    {
        var type = Json.String(source, "type") ?? "";
        var clone = (JsonObject)source.DeepClone();
        var existing = Get(conditions, type);
        if (existing is null)
        {
            conditions.Add(clone);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = clone;
        }
    }

    public static void Remove(JsonArray conditions, string type)
    {
        if (Get(conditions, type) is { } existing)
        {
            conditions.Remove(existing);
        }
    }
}
