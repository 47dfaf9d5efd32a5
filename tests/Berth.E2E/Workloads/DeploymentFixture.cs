namespace Berth.E2E.Workloads;

public sealed class DeploymentFixture() : WorkloadFixture("bt-e2ewl1", "10.254.40.0/24");
