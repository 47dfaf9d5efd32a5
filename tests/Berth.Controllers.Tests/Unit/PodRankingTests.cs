using System.Text.Json.Nodes;
using Berth.Controllers.ReplicaSets;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class PodRankingTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Pod(string name, string node = "n1", string phase = "Running", bool ready = true, DateTimeOffset? readySince = null,
        int restarts = 0, DateTimeOffset? created = null, int? cost = null)
    {
        var meta = new JsonObject
        {
            ["name"] = name,
            ["uid"] = name,
            ["creationTimestamp"] = (created ?? Now.AddHours(-1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
        };
        if (cost is { } c)
        {
            meta["annotations"] = new JsonObject { [PodRanking.DeletionCostAnnotation] = c.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        return new JsonObject
        {
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["nodeName"] = node },
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = ready ? "True" : "False",
                    ["lastTransitionTime"] = (readySince ?? Now.AddMinutes(-30)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                }),
                ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "c", ["restartCount"] = restarts }),
            },
        };
    }

    private static string First(params JsonObject[] pods) =>
        PodRanking.ToDelete(pods, pods, 1, Now)[0]["metadata"]!["name"]!.GetValue<string>();

    [Fact]
    public void Unassigned_before_assigned() => Assert.Equal("pending", First(Pod("bound"), Pod("pending", node: "", phase: "Pending", ready: false)));

    [Fact]
    public void Pending_before_unknown_before_running()
    {
        Assert.Equal("p", First(Pod("r"), Pod("p", phase: "Pending", ready: false)));
        Assert.Equal("u", First(Pod("r"), Pod("u", phase: "Unknown")));
    }

    [Fact]
    public void Not_ready_before_ready() => Assert.Equal("nr", First(Pod("r"), Pod("nr", ready: false)));

    [Fact]
    public void Lower_deletion_cost_first() => Assert.Equal("cheap", First(Pod("dear", cost: 10), Pod("cheap", cost: -5)));

    [Fact]
    public void Doubled_up_pods_first()
    {
        var alone = Pod("alone", node: "n2");
        var a = Pod("a", node: "n1");
        var b = Pod("b", node: "n1");
        var victims = PodRanking.ToDelete([alone, a, b], [alone, a, b], 1, Now);
        Assert.NotEqual("alone", victims[0]["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Ready_for_less_time_first_in_log_buckets()
    {
        Assert.Equal("fresh", First(Pod("old", readySince: Now.AddHours(-5)), Pod("fresh", readySince: Now.AddSeconds(-10))));
    }

    [Fact]
    public void More_restarts_first_then_newer_first()
    {
        var since = Now.AddMinutes(-10);
        Assert.Equal("crashy", First(Pod("calm", readySince: since), Pod("crashy", readySince: since, restarts: 5)));
        Assert.Equal("young", First(Pod("aged", readySince: since, created: Now.AddDays(-3)), Pod("young", readySince: since, created: Now.AddMinutes(-11))));
    }

    [Fact]
    public void Count_at_least_all_returns_all()
    {
        var pods = new[] { Pod("a"), Pod("b") };
        Assert.Equal(2, PodRanking.ToDelete(pods, pods, 5, Now).Count);
    }
}
