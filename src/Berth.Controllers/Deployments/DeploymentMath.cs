using Berth.Controllers.Common;

namespace Berth.Controllers.Deployments;

/// <summary>
/// The pure arithmetic of kube's deployment controller (pkg/controller/deployment/util and rolling.go): how far a
/// rollout may surge and how many pods may be unavailable, how big the new ReplicaSet may grow, how many old
/// pods may go, and how a scaling event is spread over the ReplicaSets of a rollout in progress.
/// </summary>
public static class DeploymentMath
{
    /// <summary>
    /// <c>ResolveFenceposts</c>: maxSurge rounded up, maxUnavailable rounded down, both of the desired replicas;
    /// when both come out 0, maxUnavailable is 1 (a rollout must be able to move).
    /// </summary>
    public static (int Surge, int Unavailable) ResolveFenceposts(DeploymentInfo d, int desired)
    {
        var surge = IntOrPercent.Scaled(d.MaxSurge, desired, roundUp: true);
        var unavailable = IntOrPercent.Scaled(d.MaxUnavailable, desired, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    /// <summary><c>MaxSurge</c>: 0 for Recreate.</summary>
    public static int MaxSurge(DeploymentInfo d) => d.Recreate ? 0 : ResolveFenceposts(d, d.Replicas).Surge;

    /// <summary><c>MaxUnavailable</c>: 0 for Recreate or no replicas, at most the replicas.</summary>
    public static int MaxUnavailable(DeploymentInfo d)
    {
        if (d.Recreate || d.Replicas == 0)
        {
            return 0;
        }

        return Math.Min(ResolveFenceposts(d, d.Replicas).Unavailable, d.Replicas);
    }

    public static int SpecReplicas(IEnumerable<ReplicaSetModel> rss) => rss.Sum(r => r.Replicas);

    public static int StatusReplicas(IEnumerable<ReplicaSetModel> rss) => rss.Sum(r => r.StatusReplicas);

    public static int AvailableReplicas(IEnumerable<ReplicaSetModel> rss) => rss.Sum(r => r.CountedAvailable);

    public static int ReadyReplicas(IEnumerable<ReplicaSetModel> rss) => rss.Sum(r => Math.Min(r.Ready, r.StatusReplicas));

    /// <summary><c>NewRSNewReplicas</c>: the size the new ReplicaSet may have now.</summary>
    public static int NewReplicaSetReplicas(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel? newRs)
    {
        if (d.Recreate)
        {
            return d.Replicas;
        }

        var newReplicas = newRs?.Replicas ?? 0;
        var surge = IntOrPercent.Scaled(d.MaxSurge, d.Replicas, roundUp: true);
        var current = SpecReplicas(all);
        var maxTotal = d.Replicas + surge;
        if (current >= maxTotal)
        {
            return newReplicas;
        }

        var up = Math.Min(maxTotal - current, d.Replicas - newReplicas);
        return newReplicas + up;
    }

    /// <summary>
    /// How many old replicas <c>reconcileOldReplicaSets</c> may remove at most in this step:
    /// all pods − the minimum available − the new ReplicaSet's unavailable pods.
    /// </summary>
    public static int MaxScaledDown(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel newRs)
    {
        var minAvailable = d.Replicas - MaxUnavailable(d);
        var newUnavailable = newRs.Replicas - newRs.CountedAvailable;
        return SpecReplicas(all) - minAvailable - newUnavailable;
    }

    /// <summary>
    /// <c>cleanupUnhealthyReplicas</c>: scales old ReplicaSets (oldest first) down by their unavailable pods, at most
    /// <paramref name="maxCleanup"/> in all. Returns the new sizes (only changed ones) and the total removed.
    /// </summary>
    public static (Dictionary<ReplicaSetModel, int> Sizes, int Removed) CleanupUnhealthy(IReadOnlyList<ReplicaSetModel> old, int maxCleanup)
    {
        var sizes = new Dictionary<ReplicaSetModel, int>();
        var total = 0;
        foreach (var rs in old.Order(Comparer<ReplicaSetModel>.Create(ReplicaSetModel.ByCreation)))
        {
            if (total >= maxCleanup)
            {
                break;
            }

            if (rs.Replicas == 0 || rs.Replicas == rs.CountedAvailable)
            {
                continue;
            }

            var down = Math.Min(maxCleanup - total, rs.Replicas - rs.CountedAvailable);
            sizes[rs] = rs.Replicas - down;
            total += down;
        }

        return (sizes, total);
    }

    /// <summary>
    /// <c>scaleDownOldReplicaSetsForRollingUpdate</c>: removes available old pods (oldest ReplicaSets first) while more
    /// than the minimum are available across all ReplicaSets.
    /// </summary>
    public static Dictionary<ReplicaSetModel, int> ScaleDownOld(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, IReadOnlyList<ReplicaSetModel> old)
    {
        var sizes = new Dictionary<ReplicaSetModel, int>();
        var minAvailable = d.Replicas - MaxUnavailable(d);
        var available = AvailableReplicas(all);
        if (available <= minAvailable)
        {
            return sizes;
        }

        var toRemove = available - minAvailable;
        var removed = 0;
        foreach (var rs in old.Order(Comparer<ReplicaSetModel>.Create(ReplicaSetModel.ByCreation)))
        {
            if (removed >= toRemove)
            {
                break;
            }

            if (rs.Replicas == 0)
            {
                continue;
            }

            var down = Math.Min(rs.Replicas, toRemove - removed);
            sizes[rs] = rs.Replicas - down;
            removed += down;
        }

        return sizes;
    }

    /// <summary>
    /// Proportional scaling (<c>DeploymentController.scale</c>, rolling update with several active ReplicaSets):
    /// the difference between the allowed size (replicas + maxSurge) and the current total is spread in proportion
    /// to each ReplicaSet's share (by its <c>max-replicas</c> annotation), largest first; what rounding leaves goes
    /// to the first. <paramref name="active"/> are the ReplicaSets with replicas &gt; 0.
    /// </summary>
    public static Dictionary<ReplicaSetModel, int> Proportional(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> active, int statusReplicas)
    {
        var total = SpecReplicas(active);
        var allowed = d.Replicas > 0 ? d.Replicas + MaxSurge(d) : 0;
        var toAdd = allowed - total;
        var ordered = active.ToList();
        if (toAdd > 0)
        {
            ordered.Sort((a, b) => a.Replicas != b.Replicas ? b.Replicas.CompareTo(a.Replicas) : -ReplicaSetModel.ByCreation(a, b));
        }
        else if (toAdd < 0)
        {
            ordered.Sort((a, b) => a.Replicas != b.Replicas ? b.Replicas.CompareTo(a.Replicas) : ReplicaSetModel.ByCreation(a, b));
        }

        var sizes = new Dictionary<ReplicaSetModel, int>();
        var added = 0;
        foreach (var rs in ordered)
        {
            if (toAdd != 0)
            {
                var proportion = Proportion(rs, d, toAdd, added, statusReplicas);
                sizes[rs] = rs.Replicas + proportion;
                added += proportion;
            }
            else
            {
                sizes[rs] = rs.Replicas;
            }
        }

        if (added != toAdd && ordered.Count > 0)
        {
            var first = ordered[0];
            sizes[first] = Math.Max(0, sizes[first] + toAdd - added);
        }

        return sizes;
    }

    /// <summary><c>GetProportion</c>.</summary>
    private static int Proportion(ReplicaSetModel rs, DeploymentInfo d, int toAdd, int added, int statusReplicas)
    {
        if (rs.Replicas == 0 || toAdd == 0 || toAdd == added)
        {
            return 0;
        }

        var fraction = Fraction(rs, d, statusReplicas);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    /// <summary><c>getReplicaSetFraction</c>: this ReplicaSet's size at the new deployment size, minus its current size.</summary>
    private static int Fraction(ReplicaSetModel rs, DeploymentInfo d, int statusReplicas)
    {
        if (d.Replicas == 0)
        {
            return -rs.Replicas;
        }

        var deploymentReplicas = d.Replicas + MaxSurge(d);
        var annotated = rs.MaxReplicas ?? statusReplicas;
        if (annotated == 0)
        {
            return 0;
        }

        var newSize = (double)rs.Replicas * deploymentReplicas / annotated;
        return (int)Math.Round(newSize, MidpointRounding.AwayFromZero) - rs.Replicas;
    }
}
