using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Deployments;

/// <summary>
/// Revisions and the annotations that carry them (pkg/controller/deployment/util/deployment_util.go). The new
/// ReplicaSet gets revision max(old revisions)+1; a ReplicaSet brought back by a rollback keeps its earlier
/// revisions in <c>deployment.kubernetes.io/revision-history</c>; the Deployment mirrors the new ReplicaSet's
/// revision; the Deployment's own annotations are copied to its new ReplicaSet (that is how <c>kubectl rollout
/// history</c> shows a change-cause), except the controller's own and kubectl's last-applied configuration.
/// </summary>
public static class DeploymentRevisions
{
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const int MaxHistoryChars = 2000;

    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        ReplicaSetModel.RevisionAnnotation,
        ReplicaSetModel.RevisionHistoryAnnotation,
        ReplicaSetModel.DesiredReplicasAnnotation,
        ReplicaSetModel.MaxReplicasAnnotation,
        "deprecated.deployment.rollback.to",
    };

    public static long MaxRevision(IEnumerable<ReplicaSetModel> rss) => rss.Select(r => r.Revision).DefaultIfEmpty(0).Max();

    /// <summary>
    /// <c>EqualIgnoreHash</c>: the templates are equal once the <c>pod-template-hash</c> label is dropped from both, compared
    /// semantically (<see cref="SemanticJson"/>).
    /// </summary>
    public static bool EqualIgnoreHash(JsonObject? a, JsonObject? b) => SemanticJson.Equal(WithoutHash(a), WithoutHash(b));

    private static JsonObject WithoutHash(JsonObject? template)
    {
        var copy = (JsonObject?)template?.DeepClone() ?? [];
        if (Json.Object(copy, "metadata") is { } meta)
        {
            if (Json.Object(meta, "labels") is { } labels)
            {
                labels.Remove(PodTemplateHashLabel);
                if (labels.Count == 0)
                {
                    meta.Remove("labels");
                }
            }

            if (meta.Count == 0)
            {
                copy.Remove("metadata");
            }
        }

        return copy;
    }

    /// <summary><c>SetNewReplicaSetAnnotations</c> on a private copy of the new ReplicaSet; returns whether it changed.</summary>
    public static bool SetNewReplicaSetAnnotations(DeploymentInfo d, JsonObject rs, long newRevision, bool exists)
    {
        var changed = CopyDeploymentAnnotations(d.Object, rs);
        var annotations = Json.EnsureObject(Json.EnsureObject(rs, "metadata"), "annotations");
        var oldText = Json.String(annotations, ReplicaSetModel.RevisionAnnotation);
        long oldRevision = 0;
        if (oldText is not null && !long.TryParse(oldText, NumberStyles.Integer, CultureInfo.InvariantCulture, out oldRevision))
        {
            return false;
        }

        var newText = newRevision.ToString(CultureInfo.InvariantCulture);
        if (oldRevision < newRevision)
        {
            annotations[ReplicaSetModel.RevisionAnnotation] = newText;
            changed = true;
            if (oldText is not null)
            {
                // A ReplicaSet that gets a newer revision is being rolled back to: keep what it was.
                var history = Json.String(annotations, ReplicaSetModel.RevisionHistoryAnnotation) ?? "";
                if (history.Length == 0)
                {
                    annotations[ReplicaSetModel.RevisionHistoryAnnotation] = oldText;
                }
                else
                {
                    var parts = history.Split(',').ToList();
                    var total = history.Length + oldText.Length + 1;
                    while (total > MaxHistoryChars && parts.Count > 0)
                    {
                        total -= parts[0].Length + 1;
                        parts.RemoveAt(0);
                    }

                    if (total <= MaxHistoryChars)
                    {
                        parts.Add(oldText);
                        annotations[ReplicaSetModel.RevisionHistoryAnnotation] = string.Join(',', parts);
                    }
                }
            }
        }

        if (!exists && SetReplicasAnnotations(rs, d.Replicas, d.Replicas + DeploymentMath.MaxSurge(d)))
        {
            changed = true;
        }

        return changed;
    }

    /// <summary><c>SetReplicasAnnotations</c>: desired-replicas and max-replicas; returns whether they changed.</summary>
    public static bool SetReplicasAnnotations(JsonObject rs, int desired, int max)
    {
        var a = Meta.SetAnnotation(rs, ReplicaSetModel.DesiredReplicasAnnotation, desired.ToString(CultureInfo.InvariantCulture));
        var b = Meta.SetAnnotation(rs, ReplicaSetModel.MaxReplicasAnnotation, max.ToString(CultureInfo.InvariantCulture));
        return a || b;
    }

    /// <summary><c>copyDeploymentAnnotationsToReplicaSet</c>.</summary>
    public static bool CopyDeploymentAnnotations(JsonObject deployment, JsonObject rs)
    {
        var changed = false;
        foreach (var (k, v) in Json.Object(deployment, "metadata", "annotations") ?? [])
        {
            if (NotCopied.Contains(k) || v is not JsonValue jv || !jv.TryGetValue<string>(out var value))
            {
                continue;
            }

            changed |= Meta.SetAnnotation(rs, k, value);
        }

        return changed;
    }
}
