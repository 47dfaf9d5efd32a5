using Berth.Runtime.Vm.Cloud;
using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class SeedImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-seed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_seed_is_a_vfat_disk_labelled_cidata_holding_the_files()
    {
        var image = Path.Combine(_dir, "cidata.img");
        var userData = "#!/bin/sh\n" + new string('#', 5000) + "\necho hi\n";
        await NoCloudSeed.WriteImageAsync(image, new Dictionary<string, string> { ["meta-data"] = "instance-id: x\n", ["user-data"] = userData }, CancellationToken.None);

        Assert.Contains("CIDATA", Sh.Run("file", "-s", image), StringComparison.Ordinal);
        var env = new[] { "MTOOLS_SKIP_CHECK=1" };
        Assert.Equal(userData, Sh.Run("env", [.. env, "mtype", "-i", image, "::/user-data"]));
        Assert.Equal("instance-id: x\n", Sh.Run("env", [.. env, "mtype", "-i", image, "::/meta-data"]));
        Assert.False(Directory.Exists(Path.Combine(_dir, "seed.d")));
    }
}
