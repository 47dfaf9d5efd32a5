using Berth.Agent.Pods;
using Berth.Api.Client;
using Berth.Api.Streams;
using Berth.Runtime.Oci.Runtime;

namespace Berth.Agent.Streams;

/// <summary>
/// The node's side of <c>pods/log</c> and <c>pods/exec</c> (the kubelet's /containerLogs and /exec): logs are read
/// from the pod's CRI log files (<see cref="PodLogFiles"/>, <see cref="CriLogReader"/>: follow, tail, previous,
/// timestamps, since, limitBytes); exec runs in the container through the runtime, with a tty and resizes when
/// asked. Failures carry the kubelet's words as 400s.
/// </summary>
internal sealed class PodStreams(NodeAgent agent, TimeProvider time) : IPodStreams
{
    public async Task StreamLogAsync(PodRef pod, string container, LogOptions options, Stream output, CancellationToken cancellationToken)
    {
        var worker = Worker(pod);
        var (path, running, id) = worker.LogTarget(container, options.Previous);
        var read = LogReadOptions.From(options, time.GetUtcNow());
        if (!File.Exists(path))
        {
            return;
        }

        Func<CancellationToken, ValueTask<bool>>? active = running && id is not null
            ? _ => ValueTask.FromResult(worker.InstanceRunning(id))
            : _ => ValueTask.FromResult(false);
        await CriLogReader.CopyToAsync(path, read, output, active, cancellationToken);
    }

    public async Task<int> ExecAsync(PodRef pod, string container, ExecRequest request, ExecStreams streams, CancellationToken cancellationToken)
    {
        var worker = Worker(pod);
        var id = worker.ExecTarget(container);
        var runtime = worker.Runtime;
        try
        {
            return await runtime.ExecAsync(id, new ExecSpec
            {
                Args = request.Command,
                Tty = request.Tty,
                Stdin = request.Stdin ? streams.Stdin : null,
                Stdout = streams.Stdout,
                Stderr = request.Tty ? null : streams.Stderr,
                Resize = streams.Resize,
            }, cancellationToken);
        }
        catch (ContainerRuntimeException e)
        {
            throw new ApiException(500, "InternalError", $"Internal error occurred: error executing command in container: {e.Message}");
        }
    }

    private PodWorker Worker(PodRef pod) =>
        agent.Workers?.Find(pod.Uid) ?? throw ApiException.BadRequest($"pod \"{pod.Name}\" is not running on node \"{agent.Options.NodeName}\" (yet)");
}
