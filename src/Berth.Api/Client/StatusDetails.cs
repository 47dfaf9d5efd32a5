using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Api.Client;

/// <summary><c>Status.details</c>: which object failed, and for 422 the field causes.</summary>
public sealed record StatusDetails(string Name, string Group, string Kind, IReadOnlyList<StatusCause>? Causes = null, string? Uid = null)
{
    public JsonObject ToJson()
    {
        var d = new JsonObject();
        if (Name.Length > 0)
        {
            d["name"] = Name;
        }

        if (Group.Length > 0)
        {
            d["group"] = Group;
        }

        if (Kind.Length > 0)
        {
            d["kind"] = Kind;
        }

        if (Uid is not null)
        {
            d["uid"] = Uid;
        }

        if (Causes is { Count: > 0 })
        {
            d["causes"] = new JsonArray(Causes.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = c.Reason,
                ["message"] = c.Message,
                ["field"] = c.Field,
            }).ToArray());
        }

        return d;
    }
}
