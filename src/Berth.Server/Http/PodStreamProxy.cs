using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Api.Streams;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>
/// Serves <c>pods/log</c> (plain text, optionally followed) and <c>pods/exec</c> (the Kubernetes
/// WebSocket remote-command protocol, subprotocols <c>v5.channel.k8s.io</c> and <c>v4.channel.k8s.io</c>)
/// on top of an <see cref="IPodStreams"/> backend, the agent that runs the pod.
/// Exec framing: binary messages whose first byte is the channel (0 stdin, 1 stdout, 2 stderr,
/// 3 error/status, 4 resize; v5 adds 255 = close of the channel in the second byte). The final
/// status on channel 3 is <c>{"status":"Success"}</c> or a Failure with reason NonZeroExitCode and an
/// ExitCode cause, which kubectl turns into its own exit code.
/// </summary>
public sealed class PodStreamProxy(IPodStreams backend) : IPodStreamProxy
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";

    public Task HandleAsync(HttpContext ctx, JsonObject pod, string subresource) => subresource switch
    {
        "log" => LogAsync(ctx, pod),
        "exec" => ExecAsync(ctx, pod),
        _ => throw ApiException.MethodNotAllowed($"pods/{subresource} is not supported by Berth yet"),
    };

    private async Task LogAsync(HttpContext ctx, JsonObject pod)
    {
        if (ctx.Request.Method != "GET")
        {
            throw ApiException.MethodNotAllowed("pods/log answers GET only");
        }

        var q = ctx.Request.Query;
        var container = ChooseContainer(pod, q["container"].ToString(), includeInit: true);
        var options = new LogOptions
        {
            Follow = Bool(q, "follow"),
            Previous = Bool(q, "previous"),
            Timestamps = Bool(q, "timestamps"),
            TailLines = Long(q, "tailLines"),
            SinceSeconds = Long(q, "sinceSeconds"),
            LimitBytes = Long(q, "limitBytes"),
            SinceTime = q.TryGetValue("sinceTime", out var st) && st.ToString().Length > 0
                ? DateTimeOffset.TryParse(st.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                    ? t
                    : throw ApiException.BadRequest($"sinceTime: invalid RFC 3339 time \"{st}\"")
                : null,
        };
        if (options.SinceSeconds is not null && options.SinceTime is not null)
        {
            throw ApiException.BadRequest("at most one of sinceTime or sinceSeconds may be specified");
        }

        var podRef = Ref(pod);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await using var body = new FlushingStream(ctx.Response.Body, options.Follow);
        try
        {
            await backend.StreamLogAsync(podRef, container, options, body, ctx.RequestAborted);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private async Task ExecAsync(HttpContext ctx, JsonObject pod)
    {
        var q = ctx.Request.Query;
        var phase = Json.String(pod, "status", "phase");
        if (phase is "Succeeded" or "Failed")
        {
            throw ApiException.BadRequest($"cannot exec into a container in a completed pod; current phase is {phase}");
        }

        // A VM pod's container is a virtual machine: nothing to exec into (the node agent says the same after an upgrade).
        if (Json.String(pod, "spec", "runtimeClassName") == Berth.Api.KubeVirt.KubeVirtNames.RuntimeClass)
        {
            throw ApiException.BadRequest($"pod {Json.String(pod, "metadata", "name")} runs a virtual machine: exec is not supported; use `berth vm console`");
        }

        var container = ChooseContainer(pod, q["container"].ToString(), includeInit: false);
        var command = q["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0)
        {
            throw ApiException.BadRequest("you must specify at least 1 command");
        }

        var request = new ExecRequest(command, Bool(q, "tty"), Bool(q, "stdin"), Bool(q, "stdout") || !q.ContainsKey("stdout"), Bool(q, "stderr"));
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            throw new ApiException(400, "BadRequest",
                "pods/exec needs a WebSocket upgrade (subprotocol v5.channel.k8s.io or v4.channel.k8s.io); SPDY is not supported by Berth");
        }

        var offered = ctx.WebSockets.WebSocketRequestedProtocols;
        var protocol = offered.Contains(V5) ? V5 : offered.Contains(V4) ? V4 : null;
        if (protocol is null)
        {
            throw ApiException.BadRequest($"no supported remote-command subprotocol offered ({string.Join(", ", offered)}); Berth speaks {V5} and {V4}");
        }

        using var ws = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        var session = new ExecSession(ws, protocol == V5, request);
        var exitCode = -1;
        string? failure = null;
        try
        {
            exitCode = await session.RunAsync(streams => backend.ExecAsync(Ref(pod), container, request, streams, ctx.RequestAborted), ctx.RequestAborted);
        }
        catch (ApiException e)
        {
            failure = e.Message;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await session.FinishAsync(exitCode, failure);
    }

    /// <summary>The named container, or the only one; 400 with kubelet's messages otherwise.</summary>
    private static string ChooseContainer(JsonObject pod, string requested, bool includeInit)
    {
        var podName = Json.String(pod, "metadata", "name");
        var names = (Json.Array(pod, "spec", "containers") ?? []).Select(c => Json.String(c, "name") ?? "").ToList();
        var all = includeInit
            ? [.. names, .. (Json.Array(pod, "spec", "initContainers") ?? []).Select(c => Json.String(c, "name") ?? "")]
            : names;
        if (string.IsNullOrEmpty(requested))
        {
            return names.Count == 1
                ? names[0]
                : throw ApiException.BadRequest($"a container name must be specified for pod {podName}, choose one of: [{string.Join(" ", names)}]");
        }

        return all.Contains(requested)
            ? requested
            : throw ApiException.BadRequest($"container {requested} is not valid for pod {podName}");
    }

    private static PodRef Ref(JsonObject pod) => new(
        Json.String(pod, "metadata", "namespace") ?? "",
        Json.String(pod, "metadata", "name") ?? "",
        Json.String(pod, "metadata", "uid") ?? "");

    private static bool Bool(IQueryCollection q, string name) =>
        q.TryGetValue(name, out var v) && v.ToString() is "" or "true" or "1" or "True";

    private static long? Long(IQueryCollection q, string name)
    {
        if (!q.TryGetValue(name, out var v) || v.ToString().Length == 0)
        {
            return null;
        }

        return long.TryParse(v.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && l >= 0
            ? l
            : throw ApiException.BadRequest($"{name}: must be a non-negative integer, not \"{v}\"");
    }

    /// <summary>Flushes after every write when following, so log lines reach the client as they are written.</summary>
    private sealed class FlushingStream(Stream inner, bool flushEachWrite) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("use WriteAsync");

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            if (flushEachWrite)
            {
                await inner.FlushAsync(cancellationToken);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
