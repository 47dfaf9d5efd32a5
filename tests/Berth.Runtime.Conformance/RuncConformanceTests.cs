using Xunit;

namespace Berth.Runtime.Conformance;

[Trait("Tier", "Integration")]
public sealed class RuncConformanceTests(RuncFixture fixture) : RuntimeConformanceSuite(fixture), IClassFixture<RuncFixture>;
