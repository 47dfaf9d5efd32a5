using System.Net;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>VirtualMachines: run strategies, the start/stop/restart subresources, printable status.</summary>
[Trait("Tier", "Integration")]
public sealed class VmControllerTests(KubeVirtCluster cluster) : IClassFixture<KubeVirtCluster>
{
    private static string Printable(JsonObject? vm) => Json.String(vm, "status", "printableStatus") ?? "";

    private static string Phase(JsonObject? vmi) => Json.String(vmi, "status", "phase") ?? "";

    private static string? Uid(JsonObject? o) => Json.String(o, "metadata", "uid");

    private static JsonObject Vm(string name, string? runStrategy, bool? running = null)
    {
        var vm = KubeVirtCluster.Fixture("vm-cirros");
        vm["metadata"]!["name"] = name;
        var spec = (JsonObject)vm["spec"]!;
        spec.Remove("runStrategy");
        if (runStrategy is not null)
        {
            spec["runStrategy"] = runStrategy;
        }

        if (running is not null)
        {
            spec["running"] = running;
        }

        return vm;
    }

    private async Task<(HttpStatusCode Code, JsonNode? Body)> PutAsync(string ns, string name, string verb, string? body = null)
    {
        using var content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await cluster.Http.PutAsync($"/apis/subresources.kubevirt.io/v1/namespaces/{ns}/virtualmachines/{name}/{verb}", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Plays the node: binds the VMI's pod and reports it running; returns the VMI once Running.</summary>
    private async Task<JsonObject> RunVmiAsync(string ns, string name)
    {
        var vmi = await cluster.VmiAsync(ns, name, v => v is not null && Json.String(v, "metadata", "deletionTimestamp") is null && Phase(v) is "Scheduling" or "Running", $"VMI {name} with a pod");
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, new ListOptions { LabelSelector = $"kubevirt.io/created-by={Uid(vmi)}" }, default)).Items.Single();
        if (Phase(vmi) != "Running")
        {
            await cluster.BindAsync(pod);
            await cluster.RunAsync(ns, Json.String(pod, "metadata", "name")!, "10.88.1.1");
        }

        return (await cluster.VmiAsync(ns, name, v => Phase(v) == "Running", $"VMI {name} Running"))!;
    }

    /// <summary>Plays the node for pods being deleted, until the VMI <paramref name="uid"/> is gone.</summary>
    private async Task WaitGoneAsync(string ns, string name, string? uid)
    {
        await Eventually.GetAsync(async () =>
        {
            await cluster.FinishDeletionsAsync(ns);
            return await cluster.TryGetAsync(cluster.Vmis, ns, name);
        }, v => v is null || Uid(v) != uid, $"VMI {name} ({uid}) gone");
    }

    [Fact]
    public async Task Always_runs_a_VMI_made_from_the_template_and_replaces_it_when_it_ends()
    {
        var ns = await cluster.NamespaceAsync("always");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("web", "Always"));
        var vmi = await RunVmiAsync(ns, "web");
        Assert.Equal("vm-cirros", Json.String(vmi, "metadata", "labels", "kubevirt.io/vm"));
        var owner = Json.Array(vmi, "metadata", "ownerReferences")![0]!;
        Assert.Equal(("VirtualMachine", "web", true), (Json.String(owner, "kind"), Json.String(owner, "name"), Json.Bool(owner, "controller") == true));
        var vm = await cluster.VmAsync(ns, "web", v => Printable(v) == "Running" && Json.Bool(v, "status", "ready") == true, "Running and ready");
        Assert.Equal(true, Json.Bool(vm, "status", "created"));
        Assert.Equal("True", Json.String(Json.Array(vm, "status", "conditions")!.OfType<JsonObject>().Single(c => Json.String(c, "type") == "Ready"), "status"));

        // QEMU killed: the pod fails, the VMI fails, the VM makes a new one (it had run, so no back-off).
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 137);
        await WaitGoneAsync(ns, "web", Uid(vmi));
        var next = await RunVmiAsync(ns, "web");
        Assert.NotEqual(Uid(vmi), Uid(next));
    }

    [Fact]
    public async Task Start_and_stop_flip_a_Halted_VM_and_report_Starting_Stopping_Stopped()
    {
        var ns = await cluster.NamespaceAsync("startstop");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("db", "Halted"));
        await cluster.VmAsync(ns, "db", v => Printable(v) == "Stopped", "Stopped");

        var (code, _) = await PutAsync(ns, "db", "start");
        Assert.Equal(HttpStatusCode.Accepted, code);
        Assert.Equal("Always", Json.String(await cluster.Api.GetAsync(cluster.Vms, ns, "db", default), "spec", "runStrategy"));
        await cluster.VmAsync(ns, "db", v => Printable(v) == "Starting", "Starting");
        var vmi = await RunVmiAsync(ns, "db");
        await cluster.VmAsync(ns, "db", v => Printable(v) == "Running", "Running");

        var (again, body) = await PutAsync(ns, "db", "start");
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("Operation cannot be fulfilled on virtualmachine.kubevirt.io \"db\": VM is already running", Json.String(body, "message"));

        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "db", "stop")).Code);
        Assert.Equal("Halted", Json.String(await cluster.Api.GetAsync(cluster.Vms, ns, "db", default), "spec", "runStrategy"));
        // The pod (grace 0 in the fixture) goes at once, so Stopping may be brief; the end state is Stopped without a VMI.
        await WaitGoneAsync(ns, "db", Uid(vmi));
        await cluster.VmAsync(ns, "db", v => Printable(v) == "Stopped" && Json.Bool(v, "status", "created") == false, "Stopped");

        var (stopped, stoppedBody) = await PutAsync(ns, "db", "stop");
        Assert.Equal(HttpStatusCode.Conflict, stopped);
        Assert.Equal("Operation cannot be fulfilled on virtualmachine.kubevirt.io \"db\": VM is not running", Json.String(stoppedBody, "message"));
        var (restart, restartBody) = await PutAsync(ns, "db", "restart");
        Assert.Equal(HttpStatusCode.Conflict, restart);
        Assert.Equal("Operation cannot be fulfilled on virtualmachine.kubevirt.io \"db\": RunStategy Halted does not support manual restart requests", Json.String(restartBody, "message"));
        Assert.Equal(HttpStatusCode.NotFound, (await PutAsync(ns, "nothere", "start")).Code);
    }

    [Fact]
    public async Task Stopping_waits_for_the_VM_to_go_before_the_VMI_goes()
    {
        var ns = await cluster.NamespaceAsync("stopping");
        var vm = Vm("slow", "Always");
        vm["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"] = 60;
        await cluster.CreateAsync(cluster.Vms, ns, vm);
        var vmi = await RunVmiAsync(ns, "slow");
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "slow", "stop")).Code);
        await cluster.VmAsync(ns, "slow", v => Printable(v) == "Stopping", "Stopping while the pod shuts down");
        Assert.NotNull(await cluster.TryGetAsync(cluster.Vmis, ns, "slow"));
        await WaitGoneAsync(ns, "slow", Uid(vmi));
        await cluster.VmAsync(ns, "slow", v => Printable(v) == "Stopped", "Stopped");
    }

    [Fact]
    public async Task Restart_replaces_the_VMI_and_the_legacy_running_field_is_honoured()
    {
        var ns = await cluster.NamespaceAsync("restart");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("app", null, running: true));
        var first = await RunVmiAsync(ns, "app");
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "app", "restart")).Code);
        await WaitGoneAsync(ns, "app", Uid(first));
        var second = await RunVmiAsync(ns, "app");
        Assert.NotEqual(Uid(first), Uid(second));
        await cluster.VmAsync(ns, "app", v => Json.Array(v, "status", "stateChangeRequests") is null && Printable(v) == "Running", "requests done");

        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "app", "stop")).Code);
        var stopped = await cluster.Api.GetAsync(cluster.Vms, ns, "app", default);
        Assert.Equal(false, Json.Bool(stopped, "spec", "running"));
        Assert.Null(Json.String(stopped, "spec", "runStrategy"));
        await WaitGoneAsync(ns, "app", Uid(second));
    }

    [Fact]
    public async Task Manual_starts_and_stops_only_on_request()
    {
        var ns = await cluster.NamespaceAsync("manual");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("m", "Manual"));
        await cluster.VmAsync(ns, "m", v => Printable(v) == "Stopped", "Stopped");
        Assert.Null(await cluster.TryGetAsync(cluster.Vmis, ns, "m"));
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "m", "start")).Code);
        var vmi = await RunVmiAsync(ns, "m");
        Assert.Equal("Manual", Json.String(await cluster.Api.GetAsync(cluster.Vms, ns, "m", default), "spec", "runStrategy"));

        // The guest powers off: Manual leaves it off.
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 0);
        await cluster.VmAsync(ns, "m", v => Printable(v) == "Stopped", "Stopped after shutdown");
        Assert.Equal(Uid(vmi), Uid(await cluster.TryGetAsync(cluster.Vmis, ns, "m")));

        // start on a final VMI: stop + start requests, a new VMI.
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "m", "start")).Code);
        await WaitGoneAsync(ns, "m", Uid(vmi));
        var next = await RunVmiAsync(ns, "m");
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "m", "stop")).Code);
        await WaitGoneAsync(ns, "m", Uid(next));
        await cluster.VmAsync(ns, "m", v => Printable(v) == "Stopped", "Stopped");
    }

    [Fact]
    public async Task RerunOnFailure_replaces_a_failed_VMI_but_not_one_whose_guest_shut_down()
    {
        var ns = await cluster.NamespaceAsync("rerun");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("r", "RerunOnFailure"));
        var first = await RunVmiAsync(ns, "r");
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 1);
        await WaitGoneAsync(ns, "r", Uid(first));
        var second = await RunVmiAsync(ns, "r");

        pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single(p => Json.String(p, "metadata", "deletionTimestamp") is null);
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 0);
        await WaitGoneAsync(ns, "r", Uid(second));
        await cluster.VmAsync(ns, "r", v => Printable(v) == "Stopped", "Stopped");
        Assert.Null(await cluster.TryGetAsync(cluster.Vmis, ns, "r"));

    }

    [Fact]
    public async Task Once_runs_one_VMI_and_keeps_it_when_it_ends()
    {
        var ns = await cluster.NamespaceAsync("once");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("o", "Once"));
        var vmi = await RunVmiAsync(ns, "o");
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 1);
        await cluster.VmAsync(ns, "o", v => Printable(v) == "Stopped", "Stopped");
        Assert.Equal(Uid(vmi), Uid(await cluster.TryGetAsync(cluster.Vmis, ns, "o")));

        // Once (like Always) refuses a manual start, as KubeVirt does.
        var (code, body) = await PutAsync(ns, "o", "start");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Operation cannot be fulfilled on virtualmachine.kubevirt.io \"o\": Once does not support manual start requests", Json.String(body, "message"));
    }

    [Fact]
    public async Task A_VMI_that_fails_before_running_backs_off_as_CrashLoopBackOff()
    {
        var ns = await cluster.NamespaceAsync("crash");
        await cluster.CreateAsync(cluster.Vms, ns, Vm("c", "Always"));
        var vmi = await cluster.VmiAsync(ns, "c", v => Phase(v) == "Scheduling", "Scheduling");
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.BindAsync(pod);
        await cluster.EndAsync(ns, Json.String(pod, "metadata", "name")!, 1);
        await WaitGoneAsync(ns, "c", Uid(vmi));
        var vm = await cluster.VmAsync(ns, "c", v => Printable(v) == "CrashLoopBackOff", "CrashLoopBackOff");
        Assert.Equal(1, Json.Long(vm, "status", "startFailure", "consecutiveFailCount"));
        Assert.Null(await cluster.TryGetAsync(cluster.Vmis, ns, "c"));
    }

    [Fact]
    public async Task A_Halted_VM_with_an_image_that_cannot_be_pulled_shows_ErrImagePull_once_started()
    {
        var ns = await cluster.NamespaceAsync("vmpull");
        await cluster.CreateAsync(cluster.Vms, ns, KubeVirtCluster.Fixture("vm-cirros"));
        await cluster.VmAsync(ns, "vm-cirros", v => Printable(v) == "Stopped", "Stopped");
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync(ns, "vm-cirros", "start")).Code);
        await cluster.VmiAsync(ns, "vm-cirros", v => Phase(v) == "Scheduling", "Scheduling");
        var pod = (await cluster.Api.ListAsync(cluster.Pods, ns, ListOptions.None, default)).Items.Single();
        await cluster.BindAsync(pod);
        await cluster.ImagePullErrorAsync(ns, Json.String(pod, "metadata", "name")!, "ImagePullBackOff", "Back-off pulling image \"registry:5000/kubevirt/cirros-container-disk-demo:devel\"");
        var vm = await cluster.VmAsync(ns, "vm-cirros", v => Printable(v) == "ImagePullBackOff", "ImagePullBackOff");
        var sync = Json.Array(vm, "status", "conditions")!.OfType<JsonObject>().Single(c => Json.String(c, "type") == "Synchronized");
        Assert.Contains("registry:5000", Json.String(sync, "message"), StringComparison.Ordinal);
    }
}
