namespace Berth.Server.Tests;

/// <summary>The API server of <see cref="ServerFixture"/> without any controller: nothing but the test writes objects.</summary>
public sealed class ApiOnlyServerFixture() : ServerFixture(controllers: false);
