using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class ConmonLauncherTests
{
    [Fact]
    public void ConmonGetsOneContainerItsBundleLogAndRuntimeRoot()
    {
        var paths = new ContainerPaths("/data", "c1");
        var args = ConmonLauncher.Arguments(new ConmonLauncher.Request(
            "/usr/bin/conmon", new OciRuntimeBinary("crun", "/usr/bin/crun", "/run/berth/crun"), "c1", "ns_pod_c", paths, "/logs/0.log", "/run/berth/conmon", Tty: true, Stdin: false, LogSizeMax: 1000));
        var joined = string.Join(' ', args);
        Assert.Contains("--api-version 1 -c c1 -u c1 -n ns_pod_c -r /usr/bin/crun -b /data/containers/c1", joined);
        Assert.Contains("-p /data/containers/c1/pidfile -P /data/containers/c1/conmon.pid", joined);
        Assert.Contains("-l k8s-file:/logs/0.log", joined);
        Assert.Contains("--exit-dir /data/containers/c1/exits --persist-dir /data/containers/c1", joined);
        Assert.Contains("--runtime-arg --root=/run/berth/crun", joined);
        Assert.Contains("--runtime-arg --log=/data/containers/c1/runtime.log", joined);
        Assert.Contains("-t", args);
        Assert.DoesNotContain("-i", args);
        Assert.Contains("--log-size-max 1000", joined);
    }
}
