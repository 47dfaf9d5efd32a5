using Xunit;

namespace Berth.Runtime.Conformance;

[Trait("Tier", "Integration")]
public sealed class CrunConformanceTests(CrunFixture fixture) : RuntimeConformanceSuite(fixture), IClassFixture<CrunFixture>;
