using System.Globalization;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Resources;
using Berth.Api.Streams;

namespace Berth.Server.Http;

/// <summary>
/// One exec over a WebSocket: demultiplexes the client's frames into stdin and resize events, and
/// multiplexes stdout/stderr into frames, one sender at a time. See <see cref="PodStreamProxy"/> for
/// the framing.
/// </summary>
internal sealed class ExecSession(WebSocket ws, bool v5, ExecRequest request)
{
    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte ErrorChannel = 3;
    private const byte ResizeChannel = 4;
    private const byte CloseChannel = 255;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Pipe _stdin = new();
    private readonly Channel<TerminalSize> _resize = Channel.CreateUnbounded<TerminalSize>();
    private Task? _reader;
    private CancellationTokenSource? _readerCts;

    /// <summary>Runs <paramref name="exec"/> with the session's streams while pumping client frames.</summary>
    public async Task<int> RunAsync(Func<ExecStreams, Task<int>> exec, CancellationToken ct)
    {
        // The reader is not cancelled when the command ends: cancelling a pending WebSocket receive aborts the
        // socket, and the final status would never reach the client. FinishAsync waits for the client's close.
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _readerCts = cts;
        var reader = Task.Run(() => ReadFramesAsync(cts.Token), CancellationToken.None);
        _reader = reader;
        var streams = new ExecStreams
        {
            Stdin = request.Stdin ? _stdin.Reader.AsStream() : null,
            Stdout = request.Stdout ? new ChannelStream(this, StdoutChannel) : null,
            Stderr = request.Stderr && !request.Tty ? new ChannelStream(this, StderrChannel) : null,
            Resize = request.Tty ? _resize.Reader : null,
        };
        return await exec(streams);
    }

    /// <summary>Sends the final status on the error channel and closes the socket.</summary>
    public async Task FinishAsync(int exitCode, string? failure)
    {
        JsonObject status;
        if (failure is not null)
        {
            status = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = failure, ["reason"] = "InternalError" };
        }
        else if (exitCode == 0)
        {
            status = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" };
        }
        else
        {
            status = new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(" ", request.Command)}], exit code {exitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(CultureInfo.InvariantCulture) }),
                },
            };
        }

        try
        {
            await SendAsync(ErrorChannel, Encoding.UTF8.GetBytes(status.ToJsonString()), CancellationToken.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            if (_reader is { } reader)
            {
                // The client answers the close; returning before that resets the connection under its last reads.
                await reader.WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // The client is gone; nothing to tell it.
        }
        finally
        {
            if (_readerCts is { } readerCts)
            {
                await readerCts.CancelAsync();
                readerCts.Dispose();
            }
        }
    }

    private async Task ReadFramesAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (!ct.IsCancellationRequested && ws.State == WebSocketState.Open)
            {
                var result = await ws.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var frame = message.ToArray();
                message.SetLength(0);
                if (frame.Length == 0)
                {
                    continue;
                }

                switch (frame[0])
                {
                    case StdinChannel:
                        await _stdin.Writer.WriteAsync(frame.AsMemory(1), ct);
                        break;
                    case ResizeChannel:
                        var size = JsonNode.Parse(frame.AsSpan(1));
                        var w = Json.Long(size, "Width") ?? Json.Long(size, "width") ?? 80;
                        var h = Json.Long(size, "Height") ?? Json.Long(size, "height") ?? 24;
                        _resize.Writer.TryWrite(new TerminalSize((ushort)Math.Clamp(w, 1, ushort.MaxValue), (ushort)Math.Clamp(h, 1, ushort.MaxValue)));
                        break;
                    case CloseChannel when v5 && frame.Length > 1 && frame[1] == StdinChannel:
                        await _stdin.Writer.CompleteAsync();
                        break;
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // A malformed resize message ends the input side; the command keeps running.
        }
        finally
        {
            await _stdin.Writer.CompleteAsync();
            _resize.Writer.TryComplete();
        }
    }

    private async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame.AsMemory(1));
        await _send.WaitAsync(ct);
        try
        {
            await ws.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>A write-only stream that sends each write as one frame on its channel.</summary>
    private sealed class ChannelStream(ExecSession session, byte channel) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            session.SendAsync(channel, buffer.AsMemory(offset, count), CancellationToken.None).GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length > 0)
            {
                await session.SendAsync(channel, buffer, cancellationToken);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
