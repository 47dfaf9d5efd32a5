using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Deployments;

/// <summary>
/// One ReplicaSet as the Deployment controller's arithmetic sees it. <see cref="Replicas"/> (spec) changes as the
/// controller scales it within a sync; the status counts are what the ReplicaSet controller last reported.
/// </summary>
public sealed class ReplicaSetModel
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

    public ReplicaSetModel(JsonObject rs) => Refresh(rs);

    /// <summary>For tests of the arithmetic.</summary>
    public ReplicaSetModel(string name, int replicas, int available, DateTimeOffset created, int? maxReplicas = null, long revision = 0)
    {
        Object = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } };
        Name = name;
        Uid = name;
        Replicas = replicas;
        StatusReplicas = replicas;
        Ready = available;
        Available = available;
        Created = created;
        MaxReplicas = maxReplicas;
        Revision = revision;
    }

    public JsonObject Object { get; private set; } = null!;

    public string Name { get; private set; } = "";

    public string Uid { get; private set; } = "";

    public int Replicas { get; set; }

    public int StatusReplicas { get; private set; }

    public int Ready { get; private set; }

    public int Available { get; private set; }

    public DateTimeOffset Created { get; private set; }

    public long Revision { get; private set; }

    public int? DesiredReplicas { get; private set; }

    public int? MaxReplicas { get; private set; }

    public long Generation { get; private set; }

    public long ObservedGeneration { get; private set; }

    public bool Deleting { get; private set; }

    /// <summary>
    /// Available replicas that still count after the last scale-down: a status written before the ReplicaSet
    /// controller saw its new size may report more available pods than the spec keeps, so Berth counts at
    /// most <see cref="Replicas"/> of them (kube sums <c>status.availableReplicas</c> as is; this keeps the
    /// rolling-update floor even while a status is stale).
    /// </summary>
    public int CountedAvailable => Math.Min(Available, Replicas);

    public void Refresh(JsonObject rs)
    {
        Object = rs;
        Name = Meta.Name(rs);
        Uid = Meta.Uid(rs);
        Replicas = (int)(Json.Long(rs, "spec", "replicas") ?? 1);
        StatusReplicas = (int)(Json.Long(rs, "status", "replicas") ?? 0);
        Ready = (int)(Json.Long(rs, "status", "readyReplicas") ?? 0);
        Available = (int)(Json.Long(rs, "status", "availableReplicas") ?? 0);
        Created = Meta.Created(rs);
        Revision = Meta.LongAnnotation(rs, RevisionAnnotation) ?? 0;
        DesiredReplicas = (int?)Meta.LongAnnotation(rs, DesiredReplicasAnnotation);
        MaxReplicas = (int?)Meta.LongAnnotation(rs, MaxReplicasAnnotation);
        Generation = Meta.Generation(rs);
        ObservedGeneration = Json.Long(rs, "status", "observedGeneration") ?? 0;
        Deleting = Meta.IsDeleting(rs);
    }

    /// <summary>kube's <c>ReplicaSetsByCreationTimestamp</c>: older first, then by name.</summary>
    public static int ByCreation(ReplicaSetModel a, ReplicaSetModel b)
    {
        var c = a.Created.CompareTo(b.Created);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    public override string ToString() => $"{Name} {Replicas} ({Available} available)";
}
