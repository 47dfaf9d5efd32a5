using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// What <c>kubectl rollout status</c> decides from an object, line for line from kubectl's
/// pkg/polymorphichelpers/rollout_status.go (Deployment, StatefulSet, DaemonSet viewers).
/// </summary>
public static class RolloutStatus
{
    public static (bool Done, string Message) Deployment(JsonObject d)
    {
        var name = Json.String(d, "metadata", "name");
        var status = Json.Object(d, "status");
        if ((Json.Long(d, "metadata", "generation") ?? 0) > (Json.Long(status, "observedGeneration") ?? 0))
        {
            return (false, "Waiting for deployment spec update to be observed...");
        }

        var progressing = (Json.Array(status, "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "Progressing");
        if (Json.String(progressing, "reason") == "ProgressDeadlineExceeded")
        {
            return (false, $"deployment \"{name}\" exceeded its progress deadline");
        }

        var replicas = Json.Long(d, "spec", "replicas") ?? 1;
        var updated = Json.Long(status, "updatedReplicas") ?? 0;
        var current = Json.Long(status, "replicas") ?? 0;
        var available = Json.Long(status, "availableReplicas") ?? 0;
        if (updated < replicas)
        {
            return (false, $"Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated...");
        }

        if (current > updated)
        {
            return (false, $"Waiting for deployment \"{name}\" rollout to finish: {current - updated} old replicas are pending termination...");
        }

        if (available < updated)
        {
            return (false, $"Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...");
        }

        return (true, $"deployment \"{name}\" successfully rolled out");
    }

    public static (bool Done, string Message) StatefulSet(JsonObject sts)
    {
        var status = Json.Object(sts, "status");
        if (Json.String(sts, "spec", "updateStrategy", "type") is { } t && t != "RollingUpdate")
        {
            return (true, "rollout status is only available for RollingUpdate strategy type");
        }

        if ((Json.Long(status, "observedGeneration") ?? 0) == 0 || (Json.Long(sts, "metadata", "generation") ?? 0) > (Json.Long(status, "observedGeneration") ?? 0))
        {
            return (false, "Waiting for statefulset spec update to be observed...");
        }

        var replicas = Json.Long(sts, "spec", "replicas") ?? 1;
        if ((Json.Long(status, "readyReplicas") ?? 0) < replicas)
        {
            return (false, $"Waiting for {replicas - (Json.Long(status, "readyReplicas") ?? 0)} pods to be ready...");
        }

        if (Json.Long(sts, "spec", "updateStrategy", "rollingUpdate", "partition") is { } partition)
        {
            if ((Json.Long(status, "updatedReplicas") ?? 0) < replicas - partition)
            {
                return (false, $"Waiting for partitioned roll out to finish: {Json.Long(status, "updatedReplicas") ?? 0} out of {replicas - partition} new pods have been updated...");
            }

            return (true, $"partitioned roll out complete: {Json.Long(status, "updatedReplicas") ?? 0} new pods have been updated...");
        }

        if (Json.String(status, "updateRevision") != Json.String(status, "currentRevision"))
        {
            return (false, $"waiting for statefulset rolling update to complete {Json.Long(status, "updatedReplicas") ?? 0} pods at revision {Json.String(status, "updateRevision")}...");
        }

        return (true, $"statefulset rolling update complete {Json.Long(status, "currentReplicas") ?? 0} pods at revision {Json.String(status, "currentRevision")}...");
    }

    public static (bool Done, string Message) DaemonSet(JsonObject ds)
    {
        var name = Json.String(ds, "metadata", "name");
        var status = Json.Object(ds, "status");
        if ((Json.Long(ds, "metadata", "generation") ?? 0) > (Json.Long(status, "observedGeneration") ?? 0))
        {
            return (false, "Waiting for daemon set spec update to be observed...");
        }

        var desired = Json.Long(status, "desiredNumberScheduled") ?? 0;
        var updated = Json.Long(status, "updatedNumberScheduled") ?? 0;
        var available = Json.Long(status, "numberAvailable") ?? 0;
        if (updated < desired)
        {
            return (false, $"Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated...");
        }

        if (available < desired)
        {
            return (false, $"Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available...");
        }

        return (true, $"daemon set \"{name}\" successfully rolled out");
    }
}
