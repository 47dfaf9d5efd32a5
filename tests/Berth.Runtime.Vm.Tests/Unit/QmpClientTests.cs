using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.Runtime.Vm.Qmp;

namespace Berth.Runtime.Vm.Tests.Unit;

/// <summary>The client against a scripted QMP server on a unix socket (in-process, no QEMU).</summary>
[Trait("Tier", "Unit")]
public sealed class QmpClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-qmp-").FullName;

    private string SocketPath => Path.Combine(_dir, "qmp.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Serves one client: greets, then answers each command line with <paramref name="answer"/>'s lines.</summary>
    private async Task ServeAsync(Func<JsonElement, string[]> answer, CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(1);
        using var conn = await listener.AcceptAsync(ct);
        await using var stream = new NetworkStream(conn);
        using var reader = new StreamReader(stream);
        async Task Send(string line) => await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), ct);
        await Send("""{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}""");
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            foreach (var reply in answer(doc.RootElement.Clone()))
            {
                await Send(reply);
            }
        }
    }

    private static string Id(JsonElement cmd) => cmd.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Negotiates_capabilities_and_matches_answers_to_commands_across_interleaved_events()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        var server = ServeAsync(cmd =>
        {
            var name = cmd.GetProperty("execute").GetString()!;
            lock (seen)
            {
                seen.Add(name);
            }

            return name switch
            {
                "qmp_capabilities" => [$$"""{"return": {}, "id": {{Id(cmd)}}}"""],
                "system_powerdown" =>
                [
                    """{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "POWERDOWN"}""",
                    $$"""{"return": {}, "id": {{Id(cmd)}}}""",
                    """{"timestamp": {"seconds": 3, "microseconds": 0}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}""",
                ],
                "query-status" => [$$"""{"return": {"status": "running", "running": true}, "id": {{Id(cmd)}}}"""],
                _ => [$$"""{"error": {"class": "CommandNotFound", "desc": "The command {{name}} has not been found"}, "id": {{Id(cmd)}}}"""],
            };
        }, cts.Token);

        await WaitForSocketAsync();
        await using var qmp = await QmpClient.ConnectAsync(SocketPath, cts.Token);
        Assert.Equal(7, qmp.Greeting.GetProperty("version").GetProperty("qemu").GetProperty("major").GetInt32());

        await qmp.ExecuteAsync("system_powerdown", null, cts.Token);
        var status = await qmp.ExecuteAsync("query-status", null, cts.Token);
        Assert.Equal("running", status.GetProperty("status").GetString());

        var e1 = await qmp.Events.ReadAsync(cts.Token);
        var e2 = await qmp.Events.ReadAsync(cts.Token);
        Assert.Equal(("POWERDOWN", "SHUTDOWN"), (e1.Name, e2.Name));
        Assert.Equal("guest-shutdown", e2.Data.GetProperty("reason").GetString());

        var error = await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("nope", null, cts.Token));
        Assert.Equal("CommandNotFound", error.ErrorClass);
        Assert.Equal(["qmp_capabilities", "system_powerdown", "query-status", "nope"], seen);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
    }

    [Fact]
    public async Task A_closed_connection_fails_the_pending_command_and_completes_the_events()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var server = Task.Run(async () =>
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            listener.Listen(1);
            using var conn = await listener.AcceptAsync(cts.Token);
            await using var stream = new NetworkStream(conn);
            using var reader = new StreamReader(stream);
            await stream.WriteAsync("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"u8.ToArray(), cts.Token);
            var caps = await reader.ReadLineAsync(cts.Token);
            using var doc = JsonDocument.Parse(caps!);
            await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"return": {}, "id": {{Id(doc.RootElement)}}}""" + "\r\n"), cts.Token);
            await reader.ReadLineAsync(cts.Token); // the "quit": close without answering, as QEMU may
        }, cts.Token);

        await WaitForSocketAsync();
        await using var qmp = await QmpClient.ConnectAsync(SocketPath, cts.Token);
        var ex = await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("quit", null, cts.Token));
        Assert.Equal("ConnectionError", ex.ErrorClass);
        await qmp.Completion.WaitAsync(cts.Token);
        Assert.False(await qmp.Events.WaitToReadAsync(cts.Token));
        await server;
    }

    private async Task WaitForSocketAsync()
    {
        for (var i = 0; i < 200 && !File.Exists(SocketPath); i++)
        {
            await Task.Delay(10);
        }
    }
}
