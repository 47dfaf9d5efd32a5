using System.Text.Json.Nodes;
using Berth.Controllers.Deployments;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class DeploymentMathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DeploymentInfo Rolling(int replicas, JsonNode? surge, JsonNode? unavailable) => DeploymentInfo.From(new JsonObject
    {
        ["metadata"] = new JsonObject { ["name"] = "d", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = surge?.DeepClone(), ["maxUnavailable"] = unavailable?.DeepClone() },
            },
        },
    });

    // kube's ResolveFenceposts: surge rounds up, unavailable rounds down, both 0 → unavailable 1.
    [Theory]
    [InlineData(10, "25%", "25%", 3, 2)]
    [InlineData(3, "25%", "25%", 1, 0)]
    [InlineData(1, "25%", "25%", 1, 0)]
    [InlineData(4, "0%", "0%", 0, 1)]
    [InlineData(5, "0", "0", 0, 1)]
    [InlineData(10, "100%", "0%", 10, 0)]
    [InlineData(7, "50%", "50%", 4, 3)]
    [InlineData(0, "25%", "25%", 0, 1)]
    public void Fenceposts_round_as_kube(int replicas, string surge, string unavailable, int wantSurge, int wantUnavailable)
    {
        JsonNode Value(string v) => int.TryParse(v, out var i) ? JsonValue.Create(i) : JsonValue.Create(v);
        var d = Rolling(replicas, Value(surge), Value(unavailable));
        Assert.Equal((wantSurge, wantUnavailable), DeploymentMath.ResolveFenceposts(d, replicas));
    }

    [Fact]
    public void Defaults_are_25_percent_and_max_unavailable_is_capped_by_replicas()
    {
        var d = DeploymentInfo.From(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 4 } });
        Assert.Equal(1, DeploymentMath.MaxSurge(d));
        Assert.Equal(1, DeploymentMath.MaxUnavailable(d));
        Assert.Equal(0, DeploymentMath.MaxUnavailable(Rolling(0, 1, 1)));
        Assert.Equal(2, DeploymentMath.MaxUnavailable(Rolling(2, 0, 5)));
        var recreate = DeploymentInfo.From(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 4, ["strategy"] = new JsonObject { ["type"] = "Recreate" } } });
        Assert.Equal(0, DeploymentMath.MaxSurge(recreate));
        Assert.Equal(0, DeploymentMath.MaxUnavailable(recreate));
        Assert.Equal(4, DeploymentMath.NewReplicaSetReplicas(recreate, [], null));
    }

    [Fact]
    public void New_replica_set_grows_within_the_surge()
    {
        var d = Rolling(10, "25%", "25%");
        var old = new ReplicaSetModel("old", 10, 10, T0);
        var fresh = new ReplicaSetModel("new", 0, 0, T0.AddMinutes(1));
        Assert.Equal(3, DeploymentMath.NewReplicaSetReplicas(d, [old, fresh], fresh));
        old.Replicas = 8;
        fresh.Replicas = 3;
        Assert.Equal(5, DeploymentMath.NewReplicaSetReplicas(d, [old, fresh], fresh));
        old.Replicas = 0;
        fresh.Replicas = 9;
        Assert.Equal(10, DeploymentMath.NewReplicaSetReplicas(d, [old, fresh], fresh));
    }

    [Fact]
    public void Old_replica_sets_shrink_only_while_enough_stay_available()
    {
        var d = Rolling(10, "25%", "25%");
        var old = new ReplicaSetModel("old", 10, 10, T0);
        var fresh = new ReplicaSetModel("new", 3, 0, T0.AddMinutes(1));
        // all 13 − min available 8 − 3 unavailable new = 2
        Assert.Equal(2, DeploymentMath.MaxScaledDown(d, [old, fresh], fresh));
        var sizes = DeploymentMath.ScaleDownOld(d, [old, fresh], [old]);
        Assert.Equal(8, sizes[old]);

        // A status that still reports more available pods than the spec keeps does not count.
        var stale = new ReplicaSetModel("stale", 10, 10, T0) { Replicas = 6 };
        var fresh2 = new ReplicaSetModel("new2", 5, 2, T0.AddMinutes(1));
        Assert.Equal(6, stale.CountedAvailable);
        Assert.Empty(DeploymentMath.ScaleDownOld(d, [stale, fresh2], [stale]));
    }

    [Fact]
    public void Unhealthy_old_pods_are_cleaned_up_first()
    {
        var older = new ReplicaSetModel("a", 3, 1, T0);
        var newer = new ReplicaSetModel("b", 2, 2, T0.AddMinutes(1));
        var (sizes, removed) = DeploymentMath.CleanupUnhealthy([newer, older], 5);
        Assert.Equal(2, removed);
        Assert.Equal(1, sizes[older]);
        Assert.False(sizes.ContainsKey(newer));
        (sizes, removed) = DeploymentMath.CleanupUnhealthy([older], 1);
        Assert.Equal((2, 1), (sizes[older], removed));
    }

    [Fact]
    public void Scaling_during_a_rollout_is_proportional_with_the_rest_on_the_largest()
    {
        // kube's TestScale "proportional scaling: 5 -> 10" shapes: 10 replicas, surge 3; RS annotated max-replicas 8.
        var d = Rolling(20, 3, 0);
        var a = new ReplicaSetModel("a", 5, 5, T0, maxReplicas: 13);
        var b = new ReplicaSetModel("b", 8, 0, T0.AddMinutes(1), maxReplicas: 13);
        var sizes = DeploymentMath.Proportional(d, [a, b], 13);
        Assert.Equal(23, sizes.Values.Sum());
        Assert.Equal(9, sizes[a]);
        Assert.Equal(14, sizes[b]);

        var down = DeploymentMath.Proportional(Rolling(0, 3, 0), [a, b], 13);
        Assert.All(down.Values, v => Assert.Equal(0, v));
    }
}
