using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.StatefulSets;

/// <summary>
/// A StatefulSet's spec with apps/v1 defaults for what a client left out (<c>SetDefaults_StatefulSet</c>:
/// replicas 1, OrderedReady, RollingUpdate with partition 0, retention Retain/Retain, revisionHistoryLimit 10).
/// </summary>
public sealed record StatefulSetInfo(
    JsonObject Object,
    int Replicas,
    bool Parallel,
    bool OnDelete,
    int Partition,
    long MinReadySeconds,
    int RevisionHistoryLimit,
    bool DeleteClaimsWithSet,
    bool DeleteClaimsOnScaleDown)
{
    public static StatefulSetInfo From(JsonObject set)
    {
        var spec = Json.Object(set, "spec");
        return new StatefulSetInfo(
            set,
            (int)(Json.Long(spec, "replicas") ?? 1),
            Json.String(spec, "podManagementPolicy") == "Parallel",
            Json.String(spec, "updateStrategy", "type") == "OnDelete",
            (int)(Json.Long(spec, "updateStrategy", "rollingUpdate", "partition") ?? 0),
            Json.Long(spec, "minReadySeconds") ?? 0,
            (int)(Json.Long(spec, "revisionHistoryLimit") ?? 10),
            Json.String(spec, "persistentVolumeClaimRetentionPolicy", "whenDeleted") == "Delete",
            Json.String(spec, "persistentVolumeClaimRetentionPolicy", "whenScaled") == "Delete");
    }
}
