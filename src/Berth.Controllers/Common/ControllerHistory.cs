using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// ControllerRevisions of StatefulSets and DaemonSets (k8s.io/kubernetes/pkg/controller/history): each revision
/// holds the pod template as the patch <c>{"spec":{"template":{…,"$patch":"replace"}}}</c>, a revision number,
/// and is named <c>OWNER-HASH</c> (<see cref="TemplateHash"/> of the data and the owner's collision count). A
/// name taken by a revision with other data is a collision: the count goes up and another name is tried.
/// </summary>
public sealed class ControllerHistory(IApiClient api, ResourceType revisionType, ResourceType ownerType)
{
    /// <summary>The label carrying a revision's hash, on the revision and (for DaemonSets and StatefulSets) on its pods.</summary>
    public const string HashLabel = "controller-revision-hash";

    /// <summary>The hash part of a revision (its <see cref="HashLabel"/>).</summary>
    public static string Hash(JsonObject revision) => Meta.Label(revision, HashLabel) ?? "";

    public static JsonObject Data(JsonObject? template)
    {
        var t = (JsonObject?)template?.DeepClone() ?? [];
        t["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = t } };
    }

    /// <summary>The pod template a revision holds.</summary>
    public static JsonObject? Template(JsonObject revision)
    {
        if (Json.Object(revision, "data", "spec", "template")?.DeepClone() is not JsonObject t)
        {
            return null;
        }

        t.Remove("$patch");
        return t;
    }

    public static long Number(JsonObject revision) => Json.Long(revision, "revision") ?? 0;

    public static bool SameData(JsonObject a, JsonObject b) => SemanticJson.Equal(a["data"], b["data"]);

    /// <summary>A revision object (not yet stored) for <paramref name="owner"/>'s template.</summary>
    public JsonObject New(JsonObject owner, JsonObject? template, long number, long? collisionCount)
    {
        var data = Data(template);
        var hash = TemplateHash.Compute(data, collisionCount);
        var labels = (JsonObject?)Json.Object(template, "metadata", "labels")?.DeepClone() ?? [];
        labels[HashLabel] = hash;
        return new JsonObject
        {
            ["apiVersion"] = revisionType.ApiVersion,
            ["kind"] = revisionType.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{Meta.Name(owner)}-{hash}",
                ["namespace"] = Meta.Namespace(owner),
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(Meta.ControllerRef(owner, ownerType)),
            },
            ["data"] = data,
            ["revision"] = number,
        };
    }

    /// <summary>
    /// <c>CreateControllerRevision</c>: stores the revision, bumping <paramref name="collisionCount"/> while the name is
    /// taken by different data; an existing revision with the same data is returned as is.
    /// </summary>
    public async Task<(JsonObject Revision, long? CollisionCount)> CreateAsync(JsonObject owner, JsonObject? template, long number, long? collisionCount,
        CancellationToken ct)
    {
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var revision = New(owner, template, number, collisionCount);
            try
            {
                return (await api.CreateAsync(revisionType, Meta.Namespace(owner), revision, ct), collisionCount);
            }
            catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
            {
                var existing = await api.GetAsync(revisionType, Meta.Namespace(owner), Meta.Name(revision), ct);
                if (SameData(existing, revision) && Meta.ControllerUid(existing) == Meta.Uid(owner))
                {
                    return (existing, collisionCount);
                }

                collisionCount = (collisionCount ?? 0) + 1;
            }
        }

        throw new InvalidOperationException($"no free ControllerRevision name for {Meta.Name(owner)} after 32 collisions");
    }

    /// <summary>Gives an existing revision a new number (a rollback to its template).</summary>
    public async Task<JsonObject> RenumberAsync(JsonObject revision, long number, CancellationToken ct)
    {
        if (Number(revision) == number)
        {
            return revision;
        }

        var copy = Meta.Copy(revision);
        copy["revision"] = number;
        return await api.UpdateAsync(revisionType, Meta.Namespace(copy), copy, null, ct);
    }

    public async Task DeleteAsync(JsonObject revision, CancellationToken ct)
    {
        try
        {
            await api.DeleteAsync(revisionType, Meta.Namespace(revision), Meta.Name(revision), new DeleteOptions { PreconditionUid = Meta.Uid(revision) }, ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }
    }
}
