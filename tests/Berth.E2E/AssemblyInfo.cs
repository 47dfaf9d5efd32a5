// Each class runs its own `berth up`. They run one after another: every instance's kubernetes Service
// takes 10.96.0.1 and node ports come from one range, so two instances' service rules would overlap.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
