using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// Kill -9 during 1,000 concurrent creates, then restart on the same data: every create that was
/// answered 201 is there, and every object that is there is whole (its data intact).
/// </summary>
[Trait("Tier", "E2E")]
public sealed class CrashSafetyTests
{
    [Fact]
    public async Task AcknowledgedCreatesSurviveKillDashNine()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var berth = await BerthProcess.StartAsync();
        var acknowledged = new ConcurrentBag<string>();
        var started = 0;
        var acknowledgedCount = 0;
        using (var http = ApiHttp.Create(berth))
        {
            http.Timeout = TimeSpan.FromSeconds(10);
            var killAt = 300;
            var killed = new TaskCompletionSource();
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                while (true)
                {
                    var i = Interlocked.Increment(ref started);
                    if (i > 1000)
                    {
                        return;
                    }

                    var name = $"bt-crash-{i:D4}";
                    try
                    {
                        using var resp = await http.PostAsync("/api/v1/namespaces/default/configmaps", ApiHttp.JsonBody(
                            $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\"}},\"data\":{{\"payload\":\"{Payload(name)}\"}}}}"), ct);
                        if (resp.StatusCode == HttpStatusCode.Created)
                        {
                            acknowledged.Add(name);

                            // Counted apart from the bag: two workers adding at once can both read the
                            // bag's Count past killAt, and then no one would ever signal the kill.
                            if (Interlocked.Increment(ref acknowledgedCount) >= killAt)
                            {
                                killed.TrySetResult();
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // The server died under this request: it was never acknowledged.
                    }
                }
            }, ct)).ToList();

            await killed.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            await berth.KillAsync();
            await Task.WhenAll(workers);
        }

        Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} creates were acknowledged before the kill");
        Assert.True(started < 1000 || acknowledged.Count < 1000, "the kill came after every create had finished; nothing was in flight");

        await berth.RestartAsync();
        using var after = ApiHttp.Create(berth);
        var list = JsonNode.Parse(await after.GetStringAsync("/api/v1/namespaces/default/configmaps", ct))!;
        var present = new Dictionary<string, JsonNode>();
        foreach (var item in list["items"]!.AsArray())
        {
            var name = item!["metadata"]!["name"]!.GetValue<string>();
            if (name.StartsWith("bt-crash-", StringComparison.Ordinal))
            {
                present[name] = item;
            }
        }

        var missing = acknowledged.Where(n => !present.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged creates are missing after the restart: {string.Join(", ", missing.Take(10))}");
        foreach (var (name, item) in present)
        {
            Assert.Equal(Payload(name), item["data"]?["payload"]?.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(item["metadata"]!["uid"]?.GetValue<string>()));
        }
    }

    private static string Payload(string name) => string.Concat(Enumerable.Repeat(name, 20));
}
