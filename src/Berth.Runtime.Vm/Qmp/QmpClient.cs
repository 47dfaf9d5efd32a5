using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Berth.Runtime.Vm.Qmp;

/// <summary>
/// A client of the QEMU Machine Protocol over a unix socket
/// (https://www.qemu.org/docs/master/interop/qmp-spec.html): one JSON object per line;
/// the server greets with <c>{"QMP": {...}}</c>, the client enters command mode with
/// <c>qmp_capabilities</c>, then each <c>{"execute", "arguments", "id"}</c> is answered by a
/// <c>{"return"|"error", "id"}</c> with the same id, and events (<c>{"event", "data", "timestamp"}</c>)
/// may arrive at any time, also between a command and its answer.
/// QEMU serves one client per monitor socket at a time: keep one client per VM.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<JsonElement> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reader = Task.CompletedTask;
    private long _nextId;

    private QmpClient(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>The server's greeting (<c>{"QMP": {"version": ..., "capabilities": [...]}}</c>).</summary>
    public JsonElement Greeting { get; private set; }

    /// <summary>Completes when the connection is closed (QEMU exited, or <see cref="DisposeAsync"/>).</summary>
    public Task Completion => _reader;

    /// <summary>Events in arrival order. Completes when the connection closes.</summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Connects, reads the greeting and negotiates capabilities (command mode).</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), cancellationToken);
    }

    /// <summary>As <see cref="ConnectAsync(string, CancellationToken)"/> over an already connected stream.</summary>
    public static async Task<QmpClient> ConnectAsync(Stream stream, CancellationToken cancellationToken)
    {
        var client = new QmpClient(stream);
        client._reader = Task.Run(client.ReadLoopAsync, CancellationToken.None);
        try
        {
            client.Greeting = await client._greeting.Task.WaitAsync(cancellationToken);
            await client.ExecuteAsync("qmp_capabilities", null, cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command; returns its <c>return</c> value or throws <see cref="QmpException"/>.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        try
        {
            var line = QmpFraming.Command(command, arguments, id);
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await _stream.WriteAsync(line, cancellationToken);
                await _stream.FlushAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new QmpException($"QMP connection lost while sending {command}", e);
            }
            finally
            {
                _writeLock.Release();
            }

            if (_reader.IsCompleted)
            {
                tcs.TrySetException(new QmpException($"QMP connection closed before {command} was answered"));
            }

            return await tcs.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            using var reader = new StreamReader(_stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            while (!_cts.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_cts.Token);
                if (line is null)
                {
                    break;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                Dispatch(QmpFraming.Parse(line));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or JsonException)
        {
            failure = e;
        }
        finally
        {
            var closed = new QmpException("QMP connection closed", failure);
            _greeting.TrySetException(closed);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(closed);
            }

            _events.Writer.TryComplete();
        }
    }

    private void Dispatch(QmpMessage message)
    {
        switch (message)
        {
            case QmpMessage.GreetingMessage g:
                _greeting.TrySetResult(g.Body);
                break;
            case QmpMessage.EventMessage e:
                _events.Writer.TryWrite(e.Event);
                break;
            case QmpMessage.ReturnMessage r when r.Id is { } id && _pending.TryGetValue(id, out var tcs):
                tcs.TrySetResult(r.Value);
                break;
            case QmpMessage.ErrorMessage err when err.Id is { } id && _pending.TryGetValue(id, out var tcs):
                tcs.TrySetException(new QmpException(err.Class, err.Description));
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _stream.DisposeAsync();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // the read loop ends with the stream; nothing left to report
        }

        _cts.Dispose();
        _writeLock.Dispose();
    }
}
