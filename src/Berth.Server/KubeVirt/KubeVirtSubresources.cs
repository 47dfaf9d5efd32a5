using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.KubeVirt;

/// <summary>
/// KubeVirt's aggregated API <c>subresources.kubevirt.io/v1</c> (virt-api), for the VM lifecycle:
/// <c>PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/{start,stop,restart}</c>, answered
/// with 202 and no body, as virt-api does (<c>pkg/virt-api/rest/lifecycle.go</c>); refusals are 409 Conflicts worded
/// as KubeVirt words them ("VM is already running", "VM is not running", "Always does not support manual start
/// requests", ...). The group's discovery documents (<c>/apis/subresources.kubevirt.io</c> and <c>/v1</c>) are served
/// here too; the group is not listed in <c>/apis</c> (kubectl does not use it; virtctl calls the paths directly).
/// What each verb does depends on the run strategy:
/// <code>
///                 start                          stop                           restart
///   Halted        spec → Always (running: true)  409 unless a VMI runs          409
///   Manual        start request                  stop request                   stop + start requests
///   RerunOnFail.  start request                  stop request                   stop + start requests
///   Always, Once  409                            spec → Halted (running: false) stop + start requests (Once: 409)
/// </code>
/// Requests go to <c>status.stateChangeRequests</c>; the VM controller carries them out. Writes are compare-and-swap
/// on the VM's resourceVersion, so two concurrent requests cannot both win (the loser gets 409).
/// </summary>
public sealed class KubeVirtSubresources(IApiClient api, ResourceRegistry registry) : IApiGroupHandler
{
    public const string Version = "v1";

    private readonly ResourceType _vms = registry.Find(KubeVirtNames.Group, "v1", "virtualmachines")!;
    private readonly ResourceType _vmis = registry.Find(KubeVirtNames.Group, "v1", "virtualmachineinstances")!;
    private readonly ResourceType _pods = registry.Find("", "v1", "pods")!;

    public string Group => KubeVirtNames.SubresourcesGroup;

    public async Task HandleAsync(HttpContext ctx, string[] segments)
    {
        // segments: [group], [group, v1], [group, v1, namespaces, NS, virtualmachines, NAME, VERB]
        var ct = ctx.RequestAborted;
        switch (segments.Length)
        {
            case 1:
                RequireGet(ctx);
                await ResponseWriter.WriteJsonAsync(ctx, 200, GroupDocument());
                return;
            case 2 when segments[1] == Version:
                RequireGet(ctx);
                await ResponseWriter.WriteJsonAsync(ctx, 200, ResourceList());
                return;
            case 7 when segments[1] == Version && segments[2] == "namespaces" && segments[4] == "virtualmachines":
                break;
            default:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        var (ns, name, verb) = (segments[3], segments[5], segments[6]);
        if (verb is not ("start" or "stop" or "restart"))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (ctx.Request.Method != "PUT")
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({ctx.Request.Method} virtualmachines/{verb})");
        }

        var raw = await RequestBody.ReadAsync(ctx.Request, ct);
        var body = raw.Length == 0 ? new JsonObject() : RequestBody.Parse(raw, ctx.Request.ContentType) as JsonObject
            ?? throw ApiException.BadRequest("the request body must be a JSON object");
        var dryRun = Json.Array(body, "dryRun")?.Count > 0;
        var vm = await api.GetAsync(_vms, ns, name, ct);
        var vmi = await FindVmiAsync(ns, name, ct);
        await (verb switch
        {
            "start" => StartAsync(vm, vmi, body, dryRun, ct),
            "stop" => StopAsync(vm, vmi, body, dryRun, ct),
            _ => RestartAsync(vm, vmi, body, dryRun, ct),
        });
        ctx.Response.StatusCode = 202;
    }

    private async Task StartAsync(JsonObject vm, JsonObject? vmi, JsonObject body, bool dryRun, CancellationToken ct)
    {
        var name = Json.String(vm, "metadata", "name")!;
        var phase = Json.String(vmi, "status", "phase");
        if (vmi is not null && !IsFinal(phase) && !string.IsNullOrEmpty(phase) && phase != "Unknown")
        {
            throw Conflict(name, "VM is already running");
        }

        if (Json.Bool(body, "paused") == true)
        {
            throw ApiException.BadRequest("starting a VM paused is not supported by Berth");
        }

        var strategy = RunStrategy(vm);
        switch (strategy)
        {
            case "Halted":
                await SetRunningAsync(vm, true, dryRun, ct);
                break;
            case "RerunOnFailure" or "Manual":
                var restart = (strategy == "RerunOnFailure" && phase == "Succeeded") || (strategy == "Manual" && vmi is not null && IsFinal(phase));
                if (!restart && strategy == "RerunOnFailure" && phase == "Failed")
                {
                    throw Conflict(name, "RerunOnFailure does not support starting VM from failed state");
                }

                await AddRequestsAsync(vm, dryRun, ct, restart ? [StopRequest(vmi!), StartRequest()] : [StartRequest()]);
                break;
            default:
                throw Conflict(name, $"{strategy} does not support manual start requests");
        }
    }

    private async Task StopAsync(JsonObject vm, JsonObject? vmi, JsonObject body, bool dryRun, CancellationToken ct)
    {
        var name = Json.String(vm, "metadata", "name")!;
        if (body["gracePeriod"] is not null)
        {
            throw ApiException.BadRequest("stopping with a gracePeriod is not supported by Berth: the VMI's terminationGracePeriodSeconds applies");
        }

        var running = vmi is not null && !IsFinal(Json.String(vmi, "status", "phase"));
        switch (RunStrategy(vm))
        {
            case "Halted":
                throw Conflict(name, running ? "Halted only supports manual stop requests with a shorter graceperiod" : "VM is not running");
            case "RerunOnFailure" or "Manual":
                if (!running)
                {
                    throw Conflict(name, "VM is not running");
                }

                await AddRequestsAsync(vm, dryRun, ct, [StopRequest(vmi!)]);
                break;
            default:
                await SetRunningAsync(vm, false, dryRun, ct);
                break;
        }
    }

    private async Task RestartAsync(JsonObject vm, JsonObject? vmi, JsonObject body, bool dryRun, CancellationToken ct)
    {
        var name = Json.String(vm, "metadata", "name")!;
        var grace = Json.Long(body, "gracePeriodSeconds");
        if (grace > 0)
        {
            throw ApiException.BadRequest("For force restart, only gracePeriod=0 is supported for now");
        }

        if (grace < 0)
        {
            throw ApiException.BadRequest("gracePeriod has to be greater or equal to 0");
        }

        var strategy = RunStrategy(vm);
        if (strategy is "Halted" or "Once")
        {
            throw Conflict(name, $"RunStategy {strategy} does not support manual restart requests");
        }

        if (vmi is null)
        {
            throw Conflict(name, "VM is not running: Halted");
        }

        await AddRequestsAsync(vm, dryRun, ct, [StopRequest(vmi), StartRequest()]);
        if (grace == 0 && !dryRun)
        {
            // A forced restart: the VM controller stops the VMI; its pod goes at once instead of after the grace period.
            var pods = await api.ListAsync(_pods, Json.String(vm, "metadata", "namespace"),
                new ListOptions { LabelSelector = $"{KubeVirtNames.CreatedByLabel}={Json.String(vmi, "metadata", "uid")}" }, ct);
            foreach (var pod in pods.Items)
            {
                try
                {
                    await api.DeleteAsync(_pods, Json.String(pod, "metadata", "namespace"), Json.String(pod, "metadata", "name")!,
                        new DeleteOptions { GracePeriodSeconds = 1 }, ct);
                }
                catch (ApiException e) when (e.Code == 404)
                {
                }
            }
        }
    }

    /// <summary>
    /// KubeVirt's <c>getChangeRequestJson</c>: the requests are added when none is pending; a lone stop request
    /// replaces pending ones; anything else is refused while a start or stop is under way. A pending start failure
    /// is cleared (the user asked for a fresh start).
    /// </summary>
    private async Task AddRequestsAsync(JsonObject vm, bool dryRun, CancellationToken ct, JsonObject[] requests)
    {
        var updated = (JsonObject)vm.DeepClone();
        var status = Json.EnsureObject(updated, "status");
        var pending = status["stateChangeRequests"] as JsonArray;
        if (pending is { Count: > 0 } && !(requests.Length == 1 && Json.String(requests[0], "action") == "Stop"))
        {
            throw ApiException.Internal("unable to complete request: stop/start already underway");
        }

        status["stateChangeRequests"] = new JsonArray([.. requests]);
        status.Remove("startFailure");
        if (!dryRun)
        {
            await UpdateAsync(updated, "status", ct);
        }
    }

    /// <summary>KubeVirt's <c>getRunningPatch</c>: <c>runStrategy</c> Always/Halted, or the legacy <c>running</c> when the VM uses it.</summary>
    private async Task SetRunningAsync(JsonObject vm, bool running, bool dryRun, CancellationToken ct)
    {
        var updated = (JsonObject)vm.DeepClone();
        var spec = Json.EnsureObject(updated, "spec");
        if (spec["runStrategy"] is not null || spec["running"] is null)
        {
            spec["runStrategy"] = running ? "Always" : "Halted";
        }
        else
        {
            spec["running"] = running;
        }

        if (!dryRun)
        {
            await UpdateAsync(updated, null, ct);
        }
    }

    private async Task UpdateAsync(JsonObject vm, string? subresource, CancellationToken ct)
    {
        try
        {
            await api.UpdateAsync(_vms, Json.String(vm, "metadata", "namespace"), vm, subresource, ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            throw Conflict(Json.String(vm, "metadata", "name")!, e.Message);
        }
    }

    private async Task<JsonObject?> FindVmiAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return await api.GetAsync(_vmis, ns, name, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private static string RunStrategy(JsonObject vm) =>
        Json.String(vm, "spec", "runStrategy") is { Length: > 0 } s ? s : Json.Bool(vm, "spec", "running") == true ? "Always" : "Halted";

    private static bool IsFinal(string? phase) => phase is "Succeeded" or "Failed";

    private static JsonObject StartRequest() => new() { ["action"] = "Start" };

    private static JsonObject StopRequest(JsonObject vmi) => new() { ["action"] = "Stop", ["uid"] = Json.String(vmi, "metadata", "uid") };

    /// <summary>virt-api's <c>errors.NewConflict(v1.Resource("virtualmachine"), name, err)</c>.</summary>
    private static ApiException Conflict(string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on virtualmachine.kubevirt.io \"{name}\": {detail}",
            new StatusDetails(name, KubeVirtNames.Group, "virtualmachine"));

    private static void RequireGet(HttpContext ctx)
    {
        if (ctx.Request.Method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({ctx.Request.Method})");
        }
    }

    private static JsonObject GroupDocument()
    {
        var version = new JsonObject { ["groupVersion"] = $"{KubeVirtNames.SubresourcesGroup}/{Version}", ["version"] = Version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = KubeVirtNames.SubresourcesGroup,
            ["versions"] = new JsonArray(version.DeepClone()),
            ["preferredVersion"] = version,
        };
    }

    private static JsonObject ResourceList() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = $"{KubeVirtNames.SubresourcesGroup}/{Version}",
        ["resources"] = new JsonArray([.. new[] { "start", "stop", "restart" }.Select(verb => (JsonNode)new JsonObject
        {
            ["name"] = $"virtualmachines/{verb}",
            ["singularName"] = "",
            ["namespaced"] = true,
            ["kind"] = "",
            ["verbs"] = new JsonArray("update"),
        })]),
    };
}
