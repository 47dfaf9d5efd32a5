using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// Keeps each VirtualMachine's VMI (same name, controlled by the VM) in line with its run strategy, as KubeVirt's
/// VM controller does (<c>syncRunStrategy</c> in <c>pkg/virt-controller/watch/vm/vm.go</c>):
/// <code>
///   Always          VMI missing ─▶ create (after the start-failure back-off); VMI final or stop requested ─▶ delete
///   RerunOnFailure  VMI missing ─▶ create (first time, or on a start request); VMI Failed ─▶ delete + start request;
///                   VMI Succeeded or stop requested ─▶ delete
///   Manual          start request and no VMI ─▶ create; stop request for the VMI ─▶ delete
///   Halted          VMI ─▶ delete; a start request ─▶ spec becomes Always (or running: true)
///   Once            VMI missing ─▶ create, once: a final VMI stays
/// </code>
/// Deleting a VMI is a request: the VMI keeps its finalizer until its pod (the VM) is gone, and only then does the
/// next VMI of a restart get created, so one VM never runs twice. Status: <see cref="VmStatus"/>.
/// </summary>
public sealed partial class VmController : Controller
{
    private readonly ResourceType _vmType;
    private readonly ResourceType _vmiType;
    private Informer<JsonObject> _vms = null!;
    private Informer<JsonObject> _vmis = null!;

    public VmController(ControllerContext context)
        : base("virtualmachine", context)
    {
        _vmType = context.Type(KubeVirtNames.Group, "virtualmachines");
        _vmiType = context.Type(KubeVirtNames.Group, "virtualmachineinstances");
    }

    public override void Setup()
    {
        _vms = Context.Informers.For(_vmType);
        _vmis = Context.Informers.For(_vmiType);
        _vms.OnAdd(v => Queue.Add(Informer<JsonObject>.KeyOf(v)));
        _vms.OnUpdate((_, v) => Queue.Add(Informer<JsonObject>.KeyOf(v)));
        _vmis.OnAdd(EnqueueVm);
        _vmis.OnUpdate((_, v) => EnqueueVm(v));
        _vmis.OnDelete(EnqueueVm);
    }

    /// <summary>A VMI wakes the VM of the same name (the VM's VMI always has its name).</summary>
    private void EnqueueVm(JsonObject vmi) => Queue.Add(Informer<JsonObject>.KeyOf(vmi));

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        if (_vms.Get(key) is not { } cached)
        {
            return;
        }

        var vm = (JsonObject)cached.DeepClone();

        var ns = Json.String(vm, "metadata", "namespace");
        var vmi = _vmis.Get(key);
        (string Reason, string Message)? syncError = null;
        if (vmi is not null && OwnerRefs.ControllerUid(vmi, "VirtualMachine") != Json.String(vm, "metadata", "uid"))
        {
            syncError = ("FailedCreate", $"VirtualMachineInstance {Json.String(vmi, "metadata", "name")} exists and is not controlled by this VirtualMachine");
            vmi = null;
        }

        // A VMI that failed before it ran is recorded (and the back-off set) before it is replaced: once it is
        // deleted, nothing would tell a start failure from a fresh start.
        var recorded = Json.Object(cached, "status")?.DeepClone() as JsonObject ?? [];
        VmStatus.TrackStartFailure(recorded, vmi, Context.Time.GetUtcNow());
        if (!JsonNode.DeepEquals(recorded["startFailure"], cached["status"]?["startFailure"]) && recorded["startFailure"] is not null)
        {
            var updated = (JsonObject)cached.DeepClone();
            updated["status"] = recorded;
            await Api.UpdateAsync(_vmType, ns, updated, "status", ct);
            return;
        }

        var strategy = VmRunStrategy.Of(vm);
        var stopping = false;
        if (Json.String(vm, "metadata", "deletionTimestamp") is not null)
        {
            stopping = vmi is not null && await StopAsync(vmi, ct);
        }
        else if (syncError is null)
        {
            try
            {
                (vmi, stopping) = await SyncRunStrategyAsync(vm, vmi, strategy, key, ct);
            }
            catch (ApiException e) when (e.Code is not 409)
            {
                syncError = (e.Code == 422 ? "FailedCreate" : "FailedSync", e.Message);
            }
        }

        var status = VmStatus.Compute(vm, vmi, stopping, strategy, syncError, Context.Time.GetUtcNow());
        if (!JsonNode.DeepEquals(status, cached["status"]))
        {
            var updated = (JsonObject)cached.DeepClone();
            updated["status"] = status;
            await Api.UpdateAsync(_vmType, ns, updated, "status", ct);
        }
    }

    /// <summary>Carries out the run strategy; returns the VMI as it now is and whether it was just asked to stop.</summary>
    private async Task<(JsonObject? Vmi, bool Stopping)> SyncRunStrategyAsync(JsonObject vm, JsonObject? vmi, string strategy, string key, CancellationToken ct)
    {
        var phase = Json.String(vmi, "status", "phase");
        var deleting = Json.String(vmi, "metadata", "deletionTimestamp") is not null;
        switch (strategy)
        {
            case VmRunStrategy.Always:
                if (vmi is not null)
                {
                    return (vmi, (VmRunStrategy.HasStopRequestFor(vm, vmi) || VmiPhase.IsFinal(phase)) && await StopAsync(vmi, ct));
                }

                return (await StartAfterBackoffAsync(vm, key, ct), false);

            case VmRunStrategy.RerunOnFailure:
                if (vmi is not null)
                {
                    if (!deleting && (VmRunStrategy.HasStopRequestFor(vm, vmi) || VmiPhase.IsFinal(phase)))
                    {
                        await StopAsync(vmi, ct);
                        if (phase == VmiPhase.Failed)
                        {
                            AddStartRequest(vm);
                        }

                        return (vmi, true);
                    }

                    return (vmi, false);
                }

                if (!VmRunStrategy.HasStartRequest(vm) && Json.String(vm, "status", "runStrategy") == strategy)
                {
                    return (null, false);
                }

                return (await StartAfterBackoffAsync(vm, key, ct), false);

            case VmRunStrategy.Manual:
                if (vmi is not null)
                {
                    return (vmi, VmRunStrategy.HasStopRequestFor(vm, vmi) && await StopAsync(vmi, ct));
                }

                return (VmRunStrategy.HasStartRequest(vm) ? await StartAsync(vm, ct) : null, false);

            case VmRunStrategy.Halted:
                if (vmi is null)
                {
                    if (VmRunStrategy.HasStartRequest(vm))
                    {
                        await SetRunningAsync(vm, ct);
                    }

                    return (null, false);
                }

                return (vmi, await StopAsync(vmi, ct));

            case VmRunStrategy.Once:
                return (vmi ?? await StartAsync(vm, ct), false);

            default:
                throw new ApiException(422, "Invalid", $"unknown runstrategy: {strategy}");
        }
    }

    private async Task<JsonObject?> StartAfterBackoffAsync(JsonObject vm, string key, CancellationToken ct)
    {
        var wait = VmStatus.BackoffLeft(vm, Context.Time.GetUtcNow());
        if (wait > TimeSpan.Zero)
        {
            Queue.AddAfter(key, wait);
            return null;
        }

        return await StartAsync(vm, ct);
    }

    /// <summary>Creates the VMI from <c>spec.template</c> (KubeVirt's <c>SetupVMIFromVM</c>): the VM's name, the template's labels and annotations, the VM as controller.</summary>
    private async Task<JsonObject?> StartAsync(JsonObject vm, CancellationToken ct)
    {
        var ns = Json.String(vm, "metadata", "namespace");
        var name = Json.String(vm, "metadata", "name")!;
        var template = Json.Object(vm, "spec", "template");
        var meta = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["ownerReferences"] = new JsonArray(OwnerRefs.For(vm, "kubevirt.io/v1", "VirtualMachine")),
        };
        if (Json.Object(template, "metadata", "labels") is { } labels)
        {
            meta["labels"] = labels.DeepClone();
        }

        var annotations = Json.Object(template, "metadata", "annotations")?.DeepClone() as JsonObject ?? [];
        annotations[KubeVirtNames.VmGenerationAnnotation] = (Json.Long(vm, "metadata", "generation") ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        meta["annotations"] = annotations;
        var vmi = new JsonObject
        {
            ["apiVersion"] = "kubevirt.io/v1",
            ["kind"] = "VirtualMachineInstance",
            ["metadata"] = meta,
            ["spec"] = Json.Object(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
        try
        {
            var created = await Api.CreateAsync(_vmiType, ns, vmi, ct);
            LogStarted(Logger, ns ?? "", name, VmRunStrategy.Of(vm));
            return created;
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
        {
            return null; // the previous VMI is still going away; its deletion requeues the VM
        }
    }

    /// <summary>Deletes the VMI unless it is already going; true when a deletion is (now) under way.</summary>
    private async Task<bool> StopAsync(JsonObject vmi, CancellationToken ct)
    {
        if (Json.String(vmi, "metadata", "deletionTimestamp") is not null)
        {
            return true;
        }

        try
        {
            await Api.DeleteAsync(_vmiType, Json.String(vmi, "metadata", "namespace"), Json.String(vmi, "metadata", "name")!,
                new DeleteOptions { PreconditionUid = Json.String(vmi, "metadata", "uid") }, ct);
            LogStopped(Logger, Json.String(vmi, "metadata", "namespace") ?? "", Json.String(vmi, "metadata", "name") ?? "");
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }

        return true;
    }

    /// <summary>RerunOnFailure after a failure: a start request (written with the status) makes the replacement once the failed VMI is gone.</summary>
    private static void AddStartRequest(JsonObject vm)
    {
        var status = Json.EnsureObject(vm, "status");
        var requests = status["stateChangeRequests"] as JsonArray ?? [];
        requests.Add(new JsonObject { ["action"] = VmRunStrategy.StartAction });
        status["stateChangeRequests"] = requests;
    }

    /// <summary>Halted with a start request: the VM becomes Always (or <c>running: true</c> when it uses the legacy field).</summary>
    private async Task SetRunningAsync(JsonObject vm, CancellationToken ct)
    {
        var updated = (JsonObject)vm.DeepClone();
        var spec = Json.EnsureObject(updated, "spec");
        if (spec["runStrategy"] is not null)
        {
            spec["runStrategy"] = VmRunStrategy.Always;
        }
        else
        {
            spec["running"] = true;
        }

        await Api.UpdateAsync(_vmType, Json.String(vm, "metadata", "namespace"), updated, null, ct);
    }

    [LoggerMessage(EventId = 2611, Level = LogLevel.Information, Message = "VM {Namespace}/{Vm}: starting (runStrategy {Strategy})")]
    private static partial void LogStarted(ILogger logger, string @namespace, string vm, string strategy);

    [LoggerMessage(EventId = 2612, Level = LogLevel.Information, Message = "VM {Namespace}/{Vm}: stopping its VMI")]
    private static partial void LogStopped(ILogger logger, string @namespace, string vm);
}
