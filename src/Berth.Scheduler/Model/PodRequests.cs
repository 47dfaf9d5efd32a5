using k8s.Models;

namespace Berth.Scheduler.Model;

/// <summary>
/// A pod's effective requests as <c>k8s.io/component-helpers/resource.PodRequests</c> computes them:
/// the sum of the app containers (and of restartable "sidecar" init containers), at least the largest
/// init container's request (plus the sidecars started before it), pod-level <c>spec.resources</c>
/// replacing cpu/memory when set, plus <c>spec.overhead</c>.
/// <see href="https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/753-sidecar-containers#exposing-pod-resource-requirements"/>
/// </summary>
internal static class PodRequests
{
    /// <param name="nonZero">
    /// When true, a container that requests no cpu (memory) counts as 100m (200Mi): the figures scoring uses
    /// (<c>NonMissingContainerRequests</c>), so that empty pods still spread.
    /// </param>
    public static Resources Compute(V1PodSpec spec, bool nonZero)
    {
        var reqs = new Resources();
        foreach (var c in spec.Containers ?? [])
        {
            reqs.Add(ContainerRequests(c, nonZero));
        }

        var sidecars = new Resources();
        var initMax = new Resources();
        foreach (var c in spec.InitContainers ?? [])
        {
            var r = ContainerRequests(c, nonZero);
            if (c.RestartPolicy == "Always")
            {
                reqs.Add(r);
                sidecars.Add(r);
                initMax.Max(sidecars);
            }
            else
            {
                var use = r.Clone();
                use.Add(sidecars);
                initMax.Max(use);
            }
        }

        reqs.Max(initMax);

        var podLevel = spec.Resources?.Requests;
        if (podLevel is not null)
        {
            if (podLevel.TryGetValue(Resources.Cpu, out var cpu))
            {
                reqs.MilliCpu = Resources.MilliValue(cpu);
            }

            if (podLevel.TryGetValue(Resources.MemoryName, out var mem))
            {
                reqs.Memory = Resources.Value(mem);
            }
        }

        if (spec.Overhead is not null)
        {
            reqs.Add(spec.Overhead);
        }

        return reqs;
    }

    private static Resources ContainerRequests(V1Container c, bool nonZero)
    {
        var r = new Resources();
        var requests = c.Resources?.Requests;
        r.Add(requests);

        // API defaulting sets a missing request to the limit; do the same for objects that skipped defaulting.
        if (c.Resources?.Limits is { } limits)
        {
            var defaulted = limits.Where(l => requests is null || !requests.ContainsKey(l.Key)).ToDictionary(l => l.Key, l => l.Value);
            r.Add(defaulted);
            if (defaulted.Count > 0)
            {
                requests = new Dictionary<string, ResourceQuantity>(requests ?? new Dictionary<string, ResourceQuantity>());
                foreach (var (k, v) in defaulted)
                {
                    requests[k] = v;
                }
            }
        }
        if (nonZero)
        {
            if (requests is null || !requests.ContainsKey(Resources.Cpu))
            {
                r.MilliCpu = Resources.DefaultMilliCpuRequest;
            }

            if (requests is null || !requests.ContainsKey(Resources.MemoryName))
            {
                r.Memory = Resources.DefaultMemoryRequest;
            }
        }

        return r;
    }
}
