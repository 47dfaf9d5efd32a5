using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class PodLogFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-podlogs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ThePreviousLogIsTheNewestOlderOneAndPruneKeepsIt()
    {
        var pod = PodLogFiles.PodDirectory(_root, "default", "web", "uid-1");
        Assert.EndsWith("default_web_uid-1", pod);
        Assert.Null(PodLogFiles.Previous(pod, "nginx", 0));
        foreach (var n in new[] { 0, 1, 3 })
        {
            var path = PodLogFiles.PathFor(pod, "nginx", n);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
        }

        Assert.EndsWith("nginx/3.log", PodLogFiles.PathFor(pod, "nginx", 3));
        Assert.EndsWith("nginx/1.log", PodLogFiles.Previous(pod, "nginx", 3));
        Assert.EndsWith("nginx/3.log", PodLogFiles.Previous(pod, "nginx", 4));

        PodLogFiles.Prune(pod, "nginx", 4);
        Assert.Equal(["3.log"], Directory.GetFiles(Path.Combine(pod, "nginx")).Select(Path.GetFileName).ToArray());
    }
}
