namespace Berth.E2E.Workloads;

public sealed class BatchFixture() : WorkloadFixture("bt-e2ewl2", "10.254.41.0/24");
