using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Agent.Probes;
using Berth.Api.Resources;
using Berth.Runtime.Oci.Runtime;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Pods;

/// <summary>
/// One pod's sync loop, level-based like the kubelet's pod worker: every pass reads what is (the pod as the API has
/// it, the runtime's containers) and does the next step towards what should be, then writes the status when it
/// changed. Passes are triggered by pod updates, container exits, probe results and timers (back-off ends, resync).
/// <code>
///            ┌──────────── sync ◀── pod update │ container exit │ probe change │ timer ──┐
///            ▼                                                                          │
///   sandbox ready? ─no─▶ set up (network, namespaces, /etc, volumes)                    │
///            ▼                                                                          │
///   init containers in order: run one at a time until each exits 0 (restart per policy) │
///            ▼                                                                          │
///   containers: start missing ones; exited ones restart per restartPolicy with back-off  │
///   (CrashLoopBackOff); liveness/startup failures and image changes restart them         │
///            ▼                                                                          │
///   status (phase, conditions, containerStatuses) ──▶ pods/status when changed ─────────┘
///
///   deletionTimestamp ──▶ preStop ▶ SIGTERM ▶ grace ▶ SIGKILL ▶ remove containers + sandbox ▶ DELETE (grace 0, uid)
///   gone from the API ──▶ the same, at once, then the pod's logs go too; the worker ends
///   Succeeded/Failed  ──▶ containers and sandbox removed, logs kept; the worker idles until deletion
/// </code>
/// The worker owns its <see cref="ContainerTrack"/>s; probe loops only flip their probe results.
/// </summary>
internal sealed partial class PodWorker
{
    private readonly PodWorkerContext _ctx;
    private readonly IPodRuntime _runtime;
    private readonly ProbeRunner _prober;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _lock = new();
    private readonly List<ContainerTrack> _init = [];
    private readonly List<ContainerTrack> _containers = [];
    private readonly Dictionary<string, CancellationTokenSource> _probeLoops = new(StringComparer.Ordinal);
    private readonly HashSet<string> _olderInstances = new(StringComparer.Ordinal);
    private V1Pod _pod;
    private JsonObject _raw;
    private bool _gone;
    private PodSandboxInfo? _sandbox;
    private bool _sandboxTornDown;
    private string? _lastStatus;
    private string _desiredKey = "";
    private DateTimeOffset? _wakeAt;

    public PodWorker(PodWorkerContext context, V1Pod pod, JsonObject raw)
    {
        _ctx = context;
        _runtime = context.RuntimeFor(pod);
        _prober = new ProbeRunner(_runtime);
        _pod = pod;
        _raw = raw;
        Uid = pod.Metadata.Uid;
        _desiredKey = DesiredKey(raw);
        Namespace = pod.Metadata.NamespaceProperty ?? "default";
        Name = pod.Metadata.Name;
        foreach (var c in pod.Spec.InitContainers ?? [])
        {
            _init.Add(new ContainerTrack(c.Name, ContainerKind.Init) { Spec = c, RuntimeName = _runtime.Name });
        }

        foreach (var c in pod.Spec.Containers ?? [])
        {
            _containers.Add(new ContainerTrack(c.Name, ContainerKind.Regular) { Spec = c, RuntimeName = _runtime.Name });
        }
    }

    public string Uid { get; }

    public string Namespace { get; }

    public string Name { get; }

    /// <summary>The runtime that runs this pod (by its runtimeClassName, fixed for the pod's life).</summary>
    public IPodRuntime Runtime => _runtime;

    /// <summary>A VM pod (<c>runtimeClassName: vm</c>): its one container is a virtual machine.</summary>
    public bool IsVm => _runtime is Vm.VmPodRuntime;

    public string PodDirectoryForLogs => PodLogFiles.PodDirectory(_ctx.Options.LogsDir, Namespace, Name, Uid);

    /// <summary>
    /// The newest pod object seen; the loop picks it up on its next pass. A change of the status alone (the worker's
    /// own writes, mostly) wakes nothing, as the kubelet ignores its own status updates.
    /// </summary>
    public void Update(JsonObject raw)
    {
        var key = DesiredKey(raw);
        bool changed;
        lock (_lock)
        {
            changed = key != _desiredKey;
            _raw = raw;
            if (changed)
            {
                _pod = KubernetesJson.Deserialize<V1Pod>(raw.ToJsonString());
                _desiredKey = key;
            }
        }

        if (changed)
        {
            Signal();
        }
    }

    /// <summary>What of a pod the node acts on: its spec, labels and annotations, and its deletion.</summary>
    private static string DesiredKey(JsonObject raw)
    {
        var meta = Json.Object(raw, "metadata");
        return string.Concat(
            raw["spec"]?.ToJsonString(), "\n",
            meta?["labels"]?.ToJsonString(), "\n",
            meta?["annotations"]?.ToJsonString(), "\n",
            meta?["deletionTimestamp"]?.ToJsonString(), "\n",
            meta?["deletionGracePeriodSeconds"]?.ToJsonString());
    }

    /// <summary>The pod is no longer in the API (deleted, or bound elsewhere): stop everything and end.</summary>
    public void MarkGone()
    {
        lock (_lock)
        {
            _gone = true;
        }

        Signal();
    }

    public void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Seeds the tracks from containers an earlier agent process left running (adoption) and the status it wrote.</summary>
    public void Adopt(IReadOnlyList<ContainerStatus> containers)
    {
        var oldStatus = Json.Object(_raw, "status");
        foreach (var t in _init.Concat(_containers))
        {
            var list = t.Kind == ContainerKind.Init ? "initContainerStatuses" : "containerStatuses";
            var previous = (Json.Array(oldStatus, list) ?? []).OfType<JsonObject>().FirstOrDefault(s => Json.String(s, "name") == t.Name);
            if (previous is not null)
            {
                t.RestartCount = (int)(Json.Long(previous, "restartCount") ?? 0);
                if (Json.Object(previous, "lastState", "terminated") is { } lt)
                {
                    t.LastTermination = ParseTerminated(lt);
                }
            }

            var mine = containers
                .Where(c => c.Annotations.GetValueOrDefault(ContainerAnnotations.ContainerName) == t.Name)
                .Select(c => (Status: c, Count: int.TryParse(c.Annotations.GetValueOrDefault(ContainerAnnotations.RestartCount), out var n) ? n : 0))
                .OrderBy(c => c.Count)
                .ToList();
            if (mine.Count == 0)
            {
                // Gone from the runtime (a finished pod's containers are removed): what the API last showed stays true.
                if (Json.Object(previous, "state", "terminated") is { } terminated)
                {
                    t.Terminated = ParseTerminated(terminated);
                    t.CurrentId = t.Terminated.ContainerId.Split("://").Last() is { Length: > 0 } id ? id : null;
                    t.SpecImage = Json.String(previous, "image");
                    var imageId = Json.String(previous, "imageID") ?? "";
                    var at = imageId.IndexOf('@', StringComparison.Ordinal);
                    t.ImageRef = at > 0 ? imageId[..at] : null;
                    t.ImageDigest = at > 0 ? imageId[(at + 1)..] : null;
                }

                continue;
            }

            var newest = mine[^1];
            foreach (var (older, _) in mine.Take(mine.Count - 1))
            {
                _olderInstances.Add(older.Id);
            }

            t.CurrentId = newest.Status.Id;
            t.Instance = newest.Status;
            t.RestartCount = newest.Count;
            t.SpecImage = newest.Status.Annotations.GetValueOrDefault(ContainerAnnotations.SpecHash);
            t.ImageRef = newest.Status.Annotations.GetValueOrDefault(ContainerAnnotations.Image);
            t.ImageDigest = newest.Status.Annotations.GetValueOrDefault(ContainerAnnotations.ImageId);
            var readyBefore = previous is not null && Json.Bool(previous, "ready") == true;
            var startedBefore = previous is not null && Json.Bool(previous, "started") == true;
            t.Probes.Reset(newest.Status.Id, hasStartup: t.Spec?.StartupProbe is not null && !startedBefore, hasReadiness: t.Spec?.ReadinessProbe is not null && !readyBefore);
            if (newest.Status.State == ContainerState.Exited)
            {
                t.Terminated = ToTerminated(newest.Status);
            }
        }
    }

    /// <summary>Whether the current instance of some container has a process to watch: (id, pid) pairs for the exit monitor.</summary>
    public IEnumerable<(string Id, int Pid)> RunningProcesses()
    {
        foreach (var t in _init.Concat(_containers).ToList())
        {
            if (t.Instance is { State: ContainerState.Running, Pid: { } pid } i && t.Terminated is null)
            {
                yield return (i.Id, pid);
            }
        }
    }

    /// <summary>The container's log file and whether it is still being written, for <c>pods/log</c>; throws with kubelet's wording otherwise.</summary>
    public (string Path, bool Running, string? ContainerId) LogTarget(string container, bool previous)
    {
        var t = _init.Concat(_containers).FirstOrDefault(c => c.Name == container)
            ?? throw ApiException.BadRequest($"container {container} is not valid for pod {Name}");
        var dir = PodDirectoryForLogs;
        if (previous)
        {
            var path = t.CurrentId is null ? null : PodLogFiles.Previous(dir, container, t.RestartCount);
            return path is not null && File.Exists(path)
                ? (path, false, null)
                : throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{Name}\" not found");
        }

        if (t.CurrentId is null)
        {
            var reason = t.Waiting?.Reason ?? "ContainerCreating";
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{Name}\" is waiting to start: {reason}");
        }

        var current = PodLogFiles.PathFor(dir, container, t.RestartCount);
        return (current, t.Running, t.CurrentId);
    }

    /// <summary>Whether instance <paramref name="id"/> is the newest of its container and still runs (log follows end when not).</summary>
    public bool InstanceRunning(string id) => _init.Concat(_containers).Any(t => t.CurrentId == id && t.Running);

    /// <summary>The running instance's id, for exec; throws with kubelet's wording when there is none.</summary>
    public string ExecTarget(string container)
    {
        var t = _init.Concat(_containers).FirstOrDefault(c => c.Name == container)
            ?? throw ApiException.BadRequest($"container {container} is not valid for pod {Name}");
        if (IsVm)
        {
            throw ApiException.BadRequest(Vm.VmPodRuntime.ExecRefusal(Name));
        }

        if (t.CurrentId is null || !t.Running)
        {
            throw ApiException.BadRequest($"unable to upgrade connection: container not found (\"{container}\")");
        }

        return t.CurrentId;
    }

    /// <summary>Runs passes until the pod is gone and cleaned up, or <paramref name="ct"/> stops the agent (containers keep running).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            bool done;
            try
            {
                done = await SyncAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                PodWorkerLog.SyncFailed(_ctx.Logger, Namespace, Name, e.Message, e);
                done = false;
                Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(30, failures * 2)));
            }

            if (done)
            {
                break;
            }

            var now = _ctx.Time.GetUtcNow();
            var resync = now + _ctx.Options.PodResyncInterval;
            var wake = _wakeAt is { } w && w < resync ? w : resync;
            _wakeAt = null;
            var delay = wake - now;
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await _signal.WaitAsync(delay, ct);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        StopAllProbes();
    }

    private void Wake(DateTimeOffset at)
    {
        if (_wakeAt is null || at < _wakeAt)
        {
            _wakeAt = at;
        }
    }

    private async Task<bool> SyncAsync(CancellationToken ct)
    {
        V1Pod pod;
        bool gone;
        lock (_lock)
        {
            pod = _pod;
            gone = _gone;
        }

        // Drain extra signals that arrived before this pass: it sees their state anyway.
        while (_signal.CurrentCount > 0)
        {
            await _signal.WaitAsync(ct);
        }

        if (gone)
        {
            // Not cancelled by the agent's stop: a half-done teardown of a pod the API has forgotten would leak until
            // the next start (the agent's stop waits for workers a few seconds).
            await TerminateAsync(pod, TimeSpan.FromSeconds(Math.Min(2, pod.Metadata.DeletionGracePeriodSeconds ?? 2)), CancellationToken.None);
            RemoveLogs();
            _ctx.Images.Forget(Uid);
            _ctx.CrashBackOff.ResetPrefix(Uid + "/");
            return true;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var grace = pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
            await TerminateAsync(pod, TimeSpan.FromSeconds(Math.Max(0, grace)), ct);
            await WriteStatusAsync(pod, ct, terminated: true);
            try
            {
                var result = await _ctx.Api.DeleteAsync(_ctx.Pods, Namespace, Name, new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = Uid }, ct);
                if (result is null)
                {
                    MarkGone();
                }
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
                MarkGone();
            }

            return false;
        }

        await RefreshAsync(ct);
        var oldPhase = Json.String(_raw, "status", "phase");
        if (oldPhase is "Succeeded" or "Failed")
        {
            await FinishTerminalAsync(pod, ct);
            await WriteStatusAsync(pod, ct);
            return false;
        }

        foreach (var t in _init.Concat(_containers))
        {
            t.Waiting = null;
        }

        if (!await EnsureSandboxAsync(pod, ct))
        {
            await WriteStatusAsync(pod, ct);
            return false;
        }

        var objects = new ApiPodObjects(_ctx);
        var initDone = await SyncInitContainersAsync(pod, objects, ct);
        if (initDone)
        {
            foreach (var t in _containers)
            {
                await SyncContainerAsync(pod, t, objects, ct);
            }
        }
        else
        {
            foreach (var t in _containers.Where(t => t.CurrentId is null))
            {
                t.Waiting = new WaitingInfo("PodInitializing", null);
            }
        }

        var phase = await WriteStatusAsync(pod, ct);
        if (phase is "Succeeded" or "Failed")
        {
            Signal();
        }

        return false;
    }

    private async Task<bool> EnsureSandboxAsync(V1Pod pod, CancellationToken ct)
    {
        if (_sandbox is not null && !_sandboxTornDown)
        {
            return true;
        }

        try
        {
            _sandbox = await _runtime.SetUpSandboxAsync(pod, new ApiPodObjects(_ctx), ct);
            _sandboxTornDown = false;
            return true;
        }
        catch (ContainerConfigException e)
        {
            // A volume that cannot be made: every container waits with the reason, as the kubelet's volume manager.
            foreach (var t in _init.Concat(_containers).Where(t => !t.Running))
            {
                t.Waiting = new WaitingInfo(t.CurrentId is null && t.Kind == ContainerKind.Regular && _init.Count > 0 ? "PodInitializing" : "ContainerCreating", null);
            }

            Event(null, false, "Warning", "FailedMount", e.Message);
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Event(null, false, "Warning", "FailedCreatePodSandBox", $"Failed to create pod sandbox: {e.Message}");
            Wake(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return false;
        }
    }

    private async Task<bool> SyncInitContainersAsync(V1Pod pod, IPodObjects objects, CancellationToken ct)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        foreach (var t in _init)
        {
            if (t.Terminated is { ExitCode: 0 })
            {
                continue;
            }

            if (t.Running)
            {
                return false;
            }

            if (t.Terminated is not null)
            {
                if (policy != "Never")
                {
                    await RestartWithBackOffAsync(pod, t, objects, ct);
                }

                return false;
            }

            await StartAsync(pod, t, objects, ct);
            return false;
        }

        return true;
    }

    private async Task SyncContainerAsync(V1Pod pod, ContainerTrack t, IPodObjects objects, CancellationToken ct)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (t.Running)
        {
            var spec = pod.Spec.Containers!.First(c => c.Name == t.Name);
            string? why = t.Probes.KillReason;
            if (why is null && t.SpecImage is not null && spec.Image != t.SpecImage)
            {
                why = $"Container {t.Name} definition changed, will be restarted";
            }

            if (why is null)
            {
                return;
            }

            Event(t.Name, false, "Normal", "Killing", why);
            await StopContainerAsync(pod, t, GracePeriod(pod), ct);
            await RefreshAsync(ct);
            if (t.Running)
            {
                return;
            }
        }

        if (t.Terminated is { } term)
        {
            var restart = policy switch
            {
                "Always" => true,
                "OnFailure" => term.ExitCode != 0,
                _ => false,
            };
            if (restart)
            {
                await RestartWithBackOffAsync(pod, t, objects, ct);
            }

            return;
        }

        if (t.CurrentId is null)
        {
            await StartAsync(pod, t, objects, ct);
        }
    }

    private async Task RestartWithBackOffAsync(V1Pod pod, ContainerTrack t, IPodObjects objects, CancellationToken ct)
    {
        var key = Uid + "/" + t.Name;
        var finished = t.Terminated?.FinishedAt ?? _ctx.Time.GetUtcNow();
        if (_ctx.CrashBackOff.IsInBackOffSince(key, finished))
        {
            var backOff = _ctx.CrashBackOff.Get(key);
            t.Waiting = new WaitingInfo("CrashLoopBackOff", $"back-off {Go(backOff)} restarting failed container={t.Name} pod={ContainerSpecFactory.FormatPod(pod)}");
            Event(t.Name, t.Kind == ContainerKind.Init, "Warning", "BackOff", $"Back-off restarting failed container {t.Name} in pod {ContainerSpecFactory.FormatPod(pod)}");
            if (_ctx.CrashBackOff.EndsAt(key, finished) is { } end)
            {
                Wake(end);
            }

            return;
        }

        _ctx.CrashBackOff.Next(key, finished);
        await StartAsync(pod, t, objects, ct);
    }

    private static TimeSpan GracePeriod(V1Pod pod) => TimeSpan.FromSeconds(Math.Max(0, pod.Spec.TerminationGracePeriodSeconds ?? 30));

    /// <summary>Go's time.Duration formatting of whole seconds and minutes (<c>10s</c>, <c>1m20s</c>, <c>5m0s</c>).</summary>
    public static string Go(TimeSpan d) => d.TotalMinutes >= 1 ? $"{(int)d.TotalMinutes}m{d.Seconds}s" : $"{(int)d.TotalSeconds}s";

    private void Event(string? container, bool init, string type, string reason, string message) =>
        _ctx.Events.Pod(Namespace, Name, Uid, container, init, type, reason, message);
}
