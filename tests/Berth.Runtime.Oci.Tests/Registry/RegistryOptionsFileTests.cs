using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>
/// <c>registries.json</c> as people write it: any field may be left out, and what is left out keeps its default
/// (an empty list, not null; 3 parallel layers), which a source-generated reader must not overwrite.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class RegistryOptionsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-registries-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AFileWithOnlyAMirrorKeepsEveryOtherDefault()
    {
        File.WriteAllText(Path.Combine(_dir, RegistryOptions.FileName), """{"registries":{"*":{"mirror":"127.0.0.1:1"}}}""");

        var options = RegistryOptions.Load(_dir);

        Assert.Empty(options.InsecureRegistries);
        Assert.Equal(3, options.ParallelLayers);
        Assert.Null(options.ChunkSize);
        Assert.Equal("127.0.0.1:1", options.For("docker.io").Mirror);
        Assert.True(options.IsInsecure("docker.io")); // spoken to through its mirror, which is on this machine
        Assert.True(options.IsInsecure("localhost:5000"));
    }

    [Fact]
    public void AFileWithOnlyInsecureRegistriesKeepsAnEmptyRegistryTable()
    {
        File.WriteAllText(Path.Combine(_dir, RegistryOptions.FileName), """{"insecure":["registry:5000"]}""");

        var options = RegistryOptions.Load(_dir);

        Assert.Empty(options.Registries);
        Assert.True(options.IsInsecure("registry:5000"));
        Assert.Null(options.For("registry:5000").Mirror);
        Assert.False(options.IsInsecure("registry.example:443"));
    }
}
