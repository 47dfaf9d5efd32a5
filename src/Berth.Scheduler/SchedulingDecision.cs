using k8s.Models;

namespace Berth.Scheduler;

/// <summary>One pod's outcome, in processing order: exactly one of <see cref="Binding"/> and <see cref="Failure"/> is set.</summary>
public sealed record SchedulingDecision(int Order, V1Pod Pod, PodBinding? Binding, SchedulingFailure? Failure);
