using Berth.Agent.Pods;
using k8s.Models;

namespace Berth.Agent.Probes;

/// <summary>
/// One probe of one container instance, run as the kubelet's prober worker does (pkg/kubelet/prober/worker.go):
/// nothing before initialDelaySeconds, then every periodSeconds; a result changes only after successThreshold
/// consecutive successes or failureThreshold consecutive failures; liveness and readiness wait until the startup
/// probe has succeeded. Every failure records an <c>Unhealthy</c> event; a liveness or startup probe that reaches
/// its failure threshold marks the container for a restart and ends. Changes signal the pod worker.
/// </summary>
internal static class ProbeLoop
{
    public static async Task RunAsync(
        ProbeKind kind,
        V1Probe probe,
        V1Container container,
        ContainerTrack track,
        string instanceId,
        string podIp,
        PodWorkerContext context,
        ProbeRunner prober,
        Action<string, string, string> @event,
        Action signal,
        CancellationToken ct)
    {
        var time = context.Time;
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1);
        var failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        var initialDelay = TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0));
        var label = kind switch { ProbeKind.Startup => "Startup", ProbeKind.Liveness => "Liveness", _ => "Readiness" };
        try
        {
            if (initialDelay > TimeSpan.Zero)
            {
                await Task.Delay(initialDelay, time, ct);
            }

            int successes = 0, failures = 0;
            while (!ct.IsCancellationRequested)
            {
                if (kind == ProbeKind.Startup && track.Probes.Started)
                {
                    return;
                }

                if (kind != ProbeKind.Startup && !track.Probes.Started)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, period.TotalMilliseconds)), time, ct);
                    continue;
                }

                if (track.Probes.InstanceId != instanceId || track.Probes.KillReason is not null)
                {
                    return;
                }

                var (ok, output) = await prober.RunAsync(probe, container, instanceId, podIp, ct);
                if (ok)
                {
                    successes++;
                    failures = 0;
                }
                else
                {
                    failures++;
                    successes = 0;
                    @event("Warning", "Unhealthy", $"{label} probe failed: {output}".TrimEnd());
                }

                switch (kind)
                {
                    case ProbeKind.Readiness:
                        if ((ok && successes >= successThreshold && track.Probes.SetReady(instanceId, true)) ||
                            (!ok && failures >= failureThreshold && track.Probes.SetReady(instanceId, false)))
                        {
                            signal();
                        }

                        break;
                    case ProbeKind.Liveness:
                        if (!ok && failures >= failureThreshold)
                        {
                            if (track.Probes.SetKill(instanceId, $"Container {container.Name} failed liveness probe, will be restarted"))
                            {
                                signal();
                            }

                            return;
                        }

                        break;
                    case ProbeKind.Startup:
                        if (ok && successes >= successThreshold)
                        {
                            if (track.Probes.SetStarted(instanceId))
                            {
                                signal();
                            }

                            return;
                        }

                        if (!ok && failures >= failureThreshold)
                        {
                            if (track.Probes.SetKill(instanceId, $"Container {container.Name} failed startup probe, will be restarted"))
                            {
                                signal();
                            }

                            return;
                        }

                        break;
                }

                await Task.Delay(period, time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
