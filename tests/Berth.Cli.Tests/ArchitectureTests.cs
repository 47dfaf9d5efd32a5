using System.Reflection;
using Xunit;

namespace Berth.Cli.Tests;

/// <summary>
/// The dependency arrows of ARCHITECTURE.md ("Solution layout"), checked on the built assemblies'
/// references so that they cannot rot: each project may use only what its arrow allows.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class ArchitectureTests
{
    public static TheoryData<string, string[]> Allowed => new()
    {
        { "Berth.Api", [] },
        { "Berth.Store", ["Berth.Api"] },
        { "Berth.Scheduler", ["Berth.Api"] },
        { "Berth.Controllers", ["Berth.Api", "Berth.Scheduler"] },
        { "Berth.Runtime.Oci", ["Berth.Api"] },
        { "Berth.Runtime.Vm", ["Berth.Api"] },
        { "Berth.Network", ["Berth.Api"] },
        { "Berth.Agent", ["Berth.Api", "Berth.Runtime.Oci", "Berth.Runtime.Vm", "Berth.Network"] },
        { "Berth.Server", ["Berth.Api", "Berth.Store", "Berth.Scheduler", "Berth.Controllers"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void ProjectReferencesOnlyWhatItsArrowAllows(string project, string[] allowed)
    {
        var assembly = Assembly.Load(project);
        var berthRefs = assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Berth.", StringComparison.Ordinal))
            .ToList();
        var forbidden = berthRefs.Except(allowed).ToList();
        Assert.True(forbidden.Count == 0, $"{project} uses {string.Join(", ", forbidden)}, which ARCHITECTURE.md does not allow (allowed: {string.Join(", ", allowed)})");
    }

    [Fact]
    public void EveryBerthAssemblyIsCovered()
    {
        var dir = AppContext.BaseDirectory;
        var shipped = Directory.GetFiles(dir, "Berth.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !n.EndsWith("Tests", StringComparison.Ordinal) && n != "Berth.Testing")
            .ToHashSet();
        var covered = Allowed.Select(row => row.Data.Item1).ToHashSet();
        Assert.Empty(shipped.Except(covered)!);
    }
}
