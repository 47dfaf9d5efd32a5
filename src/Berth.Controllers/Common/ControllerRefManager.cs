using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// Adoption and release of dependents, as kube's <c>controller.BaseControllerRefManager.ClaimObject</c>:
/// <list type="bullet">
/// <item>an object controlled by the owner stays claimed while the selector matches it; when it stops
///   matching it is released (its controller reference removed) unless the owner or it is being deleted;</item>
/// <item>an object controlled by someone else is never touched;</item>
/// <item>an orphan that matches is adopted (a controller reference with blockOwnerDeletion added), after a live
///   read confirms the owner still exists with the same uid and is not being deleted.</item>
/// </list>
/// Writes are compare-and-swap on the cached object's resourceVersion: a stale cache gets 409 and the
/// owner's sync is retried.
/// </summary>
public sealed class ControllerRefManager(IApiClient api, ResourceType ownerType, ResourceType dependentType)
{
    public async Task<List<JsonObject>> ClaimAsync(JsonObject owner, LabelMatcher selector, IEnumerable<JsonObject> candidates,
        CancellationToken ct)
    {
        var claimed = new List<JsonObject>();
        var ownerUid = Meta.Uid(owner);
        var ownerDeleting = Meta.IsDeleting(owner);
        bool? canAdopt = null;
        foreach (var obj in candidates)
        {
            var controller = Meta.ControllerOf(obj);
            if (controller is not null)
            {
                if (controller.Uid != ownerUid)
                {
                    continue;
                }

                if (selector.MatchesObject(obj))
                {
                    claimed.Add(obj);
                }
                else if (!ownerDeleting && !Meta.IsDeleting(obj))
                {
                    await ReleaseAsync(obj, ownerUid, ct);
                }

                continue;
            }

            if (ownerDeleting || Meta.IsDeleting(obj) || !selector.MatchesObject(obj))
            {
                continue;
            }

            canAdopt ??= await CanAdoptAsync(owner, ct);
            if (canAdopt != true)
            {
                continue;
            }

            if (await AdoptAsync(owner, obj, ct) is { } adopted)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    private async Task<bool> CanAdoptAsync(JsonObject owner, CancellationToken ct)
    {
        try
        {
            var live = await api.GetAsync(ownerType, Meta.Namespace(owner), Meta.Name(owner), ct);
            return Meta.Uid(live) == Meta.Uid(owner) && !Meta.IsDeleting(live);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    private async Task<JsonObject?> AdoptAsync(JsonObject owner, JsonObject obj, CancellationToken ct)
    {
        var copy = Meta.Copy(obj);
        var meta = Json.EnsureObject(copy, "metadata");
        var refs = meta["ownerReferences"] as JsonArray ?? [];
        meta["ownerReferences"] = refs;
        refs.Add(Meta.ControllerRef(owner, ownerType));
        try
        {
            return await api.UpdateAsync(dependentType, Meta.Namespace(copy), copy, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private async Task ReleaseAsync(JsonObject obj, string ownerUid, CancellationToken ct)
    {
        var copy = Meta.Copy(obj);
        if (Json.Object(copy, "metadata") is not { } meta || meta["ownerReferences"] is not JsonArray refs)
        {
            return;
        }

        for (var i = refs.Count - 1; i >= 0; i--)
        {
            if (Json.String(refs[i], "uid") == ownerUid)
            {
                refs.RemoveAt(i);
            }
        }

        if (refs.Count == 0)
        {
            meta.Remove("ownerReferences");
        }

        try
        {
            await api.UpdateAsync(dependentType, Meta.Namespace(copy), copy, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
