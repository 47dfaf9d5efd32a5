using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Agent.Images;
using Berth.Agent.Probes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>The container-level steps of a pod worker: observe, start, stop, terminate, and write the status.</summary>
internal sealed partial class PodWorker
{
    /// <summary>Reads the runtime status of each container's newest instance.</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        foreach (var t in _init.Concat(_containers))
        {
            if (t.CurrentId is not { } id || t.Terminated is not null)
            {
                continue;
            }

            var st = await _runtime.StatusAsync(id, ct);
            if (st is null)
            {
                t.Instance = null;
                t.Terminated = new TerminatedInfo(255, "Unknown", "the container is gone from the runtime", null, _ctx.Time.GetUtcNow(), $"{_runtime.Name}://{id}");
                StopProbes(t.Name);
                continue;
            }

            t.Instance = st;
            if (st.State == ContainerState.Exited)
            {
                t.Terminated = ToTerminated(st);
                StopProbes(t.Name);
            }
            else if (st.State == ContainerState.Created)
            {
                // Created but never started (an agent died between create and start): start it now.
                await _runtime.StartAsync(id, ct);
                t.Instance = await _runtime.StatusAsync(id, ct) ?? st;
            }
            else if (!_probeLoops.ContainsKey(t.Name) && t.Spec is not null && _sandbox is not null)
            {
                StartProbes(t, id);
            }
        }
    }

    private async Task StartAsync(V1Pod pod, ContainerTrack t, IPodObjects objects, CancellationToken ct)
    {
        var init = t.Kind == ContainerKind.Init;
        var spec = (init ? pod.Spec.InitContainers : pod.Spec.Containers)!.First(c => c.Name == t.Name);
        var restartCount = t.CurrentId is null ? t.RestartCount : t.RestartCount + 1;
        void Ev(string type, string reason, string message) => Event(t.Name, init, type, reason, message);

        Berth.Runtime.Oci.Images.ResolvedImage image;
        try
        {
            image = await _ctx.Images.EnsureAsync(Uid, spec.Image ?? "", spec.ImagePullPolicy, Ev, ct);
        }
        catch (ImagePullException e)
        {
            t.Waiting = new WaitingInfo(e.Reason, e.Message);
            if (e.Reason == "ErrImagePull")
            {
                // A later pass (in the back-off) shows ImagePullBackOff; the one after the back-off pulls again.
                Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(3));
            }
            else if (e.Reason == "ImagePullBackOff")
            {
                Wake(_ctx.Time.GetUtcNow() + _ctx.Images.BackOff.Get(Uid + "/" + spec.Image));
            }

            return;
        }

        RuntimeSpec containerSpec;
        try
        {
            var logPath = PodLogFiles.PathFor(PodDirectoryForLogs, t.Name, restartCount);
            containerSpec = await _runtime.PrepareAsync(new ContainerRequest(pod, spec, t.Kind, restartCount, image, _sandbox!, logPath, objects), ct);
        }
        catch (ContainerConfigException e)
        {
            t.Waiting = new WaitingInfo("CreateContainerConfigError", e.Message);
            Ev("Warning", "Failed", $"Error: {e.Message}");
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(10));
            return;
        }
        catch (ContainerCreateException e)
        {
            t.Waiting = new WaitingInfo("CreateContainerError", e.Message);
            Ev("Warning", "Failed", $"Error: {e.Message}");
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(10));
            return;
        }

        // The previous instance is only a record now (lastState); a stale container with the new id goes too.
        if (t.CurrentId is { } old)
        {
            await _runtime.DeleteAsync(old, ct);
        }

        foreach (var older in _olderInstances.Where(id => id.StartsWith(containerSpec.Id[..containerSpec.Id.LastIndexOf('-')] + "-", StringComparison.Ordinal)).ToList())
        {
            await _runtime.DeleteAsync(older, ct);
            _olderInstances.Remove(older);
        }

        if (await _runtime.StatusAsync(containerSpec.Id, ct) is not null)
        {
            await _runtime.DeleteAsync(containerSpec.Id, ct);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(containerSpec.LogPath)!);
        ContainerStatus created;
        try
        {
            created = await _runtime.CreateAsync(containerSpec, ct);
        }
        catch (Exception e) when (e is ContainerRuntimeException or IOException or ArgumentException)
        {
            AdvanceInstance(t, null, restartCount);
            t.Waiting = new WaitingInfo("CreateContainerError", e.Message);
            Ev("Warning", "Failed", $"Error: {e.Message}");
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(10));
            return;
        }

        Ev("Normal", "Created", $"Created container: {t.Name}");
        foreach (var (type, reason, message) in containerSpec.Events)
        {
            Ev(type, reason, message);
        }

        AdvanceInstance(t, created, restartCount);
        t.ImageRef = image.Reference;
        t.ImageDigest = image.Digest;
        t.SpecImage = spec.Image;
        try
        {
            await _runtime.StartAsync(created.Id, ct);
        }
        catch (Exception e) when (e is ContainerRuntimeException or IOException)
        {
            t.Instance = await _runtime.StatusAsync(created.Id, ct);
            t.Terminated = new TerminatedInfo(128, "StartError", e.Message, null, _ctx.Time.GetUtcNow(), $"{_runtime.Name}://{created.Id}");
            Ev("Warning", "Failed", $"Error: {e.Message}");
            return;
        }

        t.Instance = await _runtime.StatusAsync(created.Id, ct) ?? created;
        Ev("Normal", "Started", $"Started container {t.Name}");
        PodLogFiles.Prune(PodDirectoryForLogs, t.Name, restartCount);
        t.Probes.Reset(created.Id, hasStartup: spec.StartupProbe is not null, hasReadiness: spec.ReadinessProbe is not null);
        StartProbes(t, created.Id);

        if (spec.Lifecycle?.PostStart is { } postStart)
        {
            var (ok, output) = await _prober.RunHandlerAsync(postStart, spec, created.Id, _sandbox!.PodIP, GracePeriod(pod), _ctx.Time, ct);
            if (!ok)
            {
                Ev("Warning", "FailedPostStartHook", $"PostStartHook failed: {output}".TrimEnd());
                Ev("Normal", "Killing", $"FailedPostStartHook");
                await StopContainerAsync(pod, t, GracePeriod(pod), ct, runPreStop: false);
            }
        }
    }

    /// <summary>Makes <paramref name="instance"/> the newest instance; the one before becomes lastState.</summary>
    private void AdvanceInstance(ContainerTrack t, ContainerStatus? instance, int restartCount)
    {
        if (t.Terminated is not null)
        {
            t.LastTermination = t.Terminated;
        }

        StopProbes(t.Name);
        t.Terminated = null;
        t.Instance = instance;
        t.CurrentId = instance?.Id;
        t.RestartCount = restartCount;
    }

    /// <summary>preStop (within the grace period), then SIGTERM, then SIGKILL when the grace period is over.</summary>
    private async Task StopContainerAsync(V1Pod pod, ContainerTrack t, TimeSpan grace, CancellationToken ct, bool runPreStop = true)
    {
        if (t.CurrentId is not { } id)
        {
            return;
        }

        StopProbes(t.Name);
        var started = _ctx.Time.GetUtcNow();
        if (runPreStop && t.Running && t.Spec?.Lifecycle?.PreStop is { } preStop && grace > TimeSpan.Zero && _sandbox is not null)
        {
            var (ok, output) = await _prober.RunHandlerAsync(preStop, t.Spec, id, _sandbox.PodIP, grace, _ctx.Time, ct);
            if (!ok)
            {
                Event(t.Name, t.Kind == ContainerKind.Init, "Warning", "FailedPreStopHook", $"PreStopHook failed: {output}".TrimEnd());
            }
        }

        var left = grace - (_ctx.Time.GetUtcNow() - started);
        var signal = int.TryParse(t.Instance?.Annotations.GetValueOrDefault(ContainerAnnotations.StopSignal), out var sig) ? sig : 15;
        var st = await _runtime.StopAsync(id, left < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(Math.Min(2, grace.TotalSeconds)) : left, signal, ct);
        t.Instance = st;
        t.Terminated = ToTerminated(st);
    }

    /// <summary>Stops every running container (in parallel), removes all of the pod's containers and its sandbox.</summary>
    private async Task TerminateAsync(V1Pod pod, TimeSpan grace, CancellationToken ct)
    {
        StopAllProbes();
        await RefreshAsync(ct);
        var running = _init.Concat(_containers).Where(t => t.Running).ToList();
        await Task.WhenAll(running.Select(async t =>
        {
            Event(t.Name, t.Kind == ContainerKind.Init, "Normal", "Killing", $"Stopping container {t.Name}");
            await StopContainerAsync(pod, t, grace, ct);
        }));
        foreach (var t in _init.Concat(_containers))
        {
            t.Waiting = null;
        }

        // Once the containers are stopped, removing them and the sandbox is short and is not cut by the agent's stop:
        // a half-removed sandbox (netns, veth, mounts, cgroups) would stay until the next start.
        await RemoveContainersAndSandboxAsync();
    }

    /// <summary>A pod that reached Succeeded/Failed: nothing may run, and the sandbox goes (the logs stay for kubectl logs).</summary>
    private async Task FinishTerminalAsync(V1Pod pod, CancellationToken ct)
    {
        if (_sandboxTornDown)
        {
            return;
        }

        foreach (var t in _init.Concat(_containers).Where(t => t.Running))
        {
            await StopContainerAsync(pod, t, GracePeriod(pod), ct);
        }

        await RemoveContainersAndSandboxAsync();
    }

    /// <summary>Not cancellable: once begun, removing the containers and the sandbox runs to its end (see <see cref="TerminateAsync"/>).</summary>
    private async Task RemoveContainersAndSandboxAsync()
    {
        var ct = CancellationToken.None;
        StopAllProbes();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in _init.Concat(_containers))
        {
            if (t.CurrentId is { } id)
            {
                ids.Add(id);
            }
        }

        // Older instances adopted from an earlier agent; no runtime-wide listing here (it races with other pods' deletes).
        ids.UnionWith(_olderInstances);
        _olderInstances.Clear();

        foreach (var id in ids)
        {
            await _runtime.DeleteAsync(id, ct);
        }

        await _runtime.TearDownSandboxAsync(Uid, ct);
        _sandboxTornDown = true;
    }

    private void RemoveLogs()
    {
        var dir = PodDirectoryForLogs;
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes the status when it differs from the last one written; returns the phase.</summary>
    private async Task<string> WriteStatusAsync(V1Pod pod, CancellationToken ct, bool terminated = false)
    {
        JsonObject raw;
        lock (_lock)
        {
            raw = _raw;
        }

        var node = _ctx.Node();
        var status = PodStatusBuilder.Build(new PodStatusBuilder.Input(
            pod, Json.Object(raw, "status"), _init, _containers, _sandboxTornDown && !terminated ? Json.String(raw, "status", "podIP") : _sandbox?.PodIP ?? Json.String(raw, "status", "podIP"),
            node.InternalIP, _sandbox is not null && !_sandboxTornDown, _ctx.Time.GetUtcNow(), terminated));
        var phase = Json.String(status, "phase") ?? "Pending";
        var text = status.ToJsonString();
        if (text == _lastStatus)
        {
            return phase;
        }

        var patch = new JsonArray(new JsonObject { ["op"] = "test", ["path"] = "/metadata/uid", ["value"] = Uid });
        foreach (var (key, value) in status)
        {
            patch.Add(new JsonObject { ["op"] = "add", ["path"] = "/status/" + key, ["value"] = value?.DeepClone() });
        }

        try
        {
            var updated = await _ctx.Api.PatchAsync(_ctx.Pods, Namespace, Name, PatchType.Json, patch, "status", ct);
            _lastStatus = text;
            lock (_lock)
            {
                if (Json.String(updated, "metadata", "uid") == Uid)
                {
                    _raw = updated;
                }
            }
        }
        catch (ApiException e) when (e.Code == 404)
        {
            MarkGone();
        }
        catch (ApiException e)
        {
            PodWorkerLog.StatusFailed(_ctx.Logger, Namespace, Name, e.Message);
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        }

        return phase;
    }

    private void StartProbes(ContainerTrack t, string id)
    {
        var spec = t.Spec;
        if (spec is null || _sandbox is null)
        {
            return;
        }

        StopProbes(t.Name);
        var cts = new CancellationTokenSource();
        _probeLoops[t.Name] = cts;
        var podIp = _sandbox.PodIP;
        void Ev(string type, string reason, string message) => Event(t.Name, t.Kind == ContainerKind.Init, type, reason, message);
        foreach (var (kind, probe) in new[] { (ProbeKind.Startup, spec.StartupProbe), (ProbeKind.Liveness, spec.LivenessProbe), (ProbeKind.Readiness, spec.ReadinessProbe) })
        {
            if (probe is not null && t.Kind == ContainerKind.Regular)
            {
                _ = Task.Run(() => ProbeLoop.RunAsync(kind, probe, spec, t, id, podIp, _ctx, _prober, Ev, Signal, cts.Token));
            }
        }
    }

    private void StopProbes(string name)
    {
        if (_probeLoops.Remove(name, out var cts))
        {
            cts.Cancel();
            cts.Dispose();
        }
    }

    private void StopAllProbes()
    {
        foreach (var name in _probeLoops.Keys.ToList())
        {
            StopProbes(name);
        }
    }

    private TerminatedInfo ToTerminated(ContainerStatus st) => new(
        st.ExitCode ?? 255,
        st.Reason ?? (st.ExitCode == 0 ? "Completed" : "Error"),
        st.Message,
        st.StartedAt,
        st.FinishedAt ?? _ctx.Time.GetUtcNow(),
        $"{_runtime.Name}://{st.Id}");

    private static TerminatedInfo ParseTerminated(JsonObject o) => new(
        (int)(Json.Long(o, "exitCode") ?? 0),
        Json.String(o, "reason") ?? "",
        Json.String(o, "message"),
        ParseTime(Json.String(o, "startedAt")),
        ParseTime(Json.String(o, "finishedAt")),
        Json.String(o, "containerID") ?? "");

    private static DateTimeOffset? ParseTime(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
