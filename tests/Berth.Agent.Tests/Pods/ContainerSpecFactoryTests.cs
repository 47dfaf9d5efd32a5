using Berth.Agent.Pods;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Agent.Tests.Pods;

[Trait("Tier", "Unit")]
public sealed class ContainerSpecFactoryTests
{
    private static ContainerSpec Build(string containerJson, Berth.Runtime.Oci.Images.ResolvedImage image, string podSpecExtra = "", IReadOnlyList<KeyValuePair<string, string>>? env = null, IReadOnlyDictionary<string, string>? volumes = null)
    {
        var pod = PodFixtures.Pod("""{"metadata":{"name":"web","namespace":"default","uid":"0123456789ab-cdef"},"spec":{""" + podSpecExtra + "\"containers\":[" + containerJson + "]}}");
        return ContainerSpecFactory.Build(pod, pod.Spec.Containers[0], ContainerKind.Regular, 2, image, env ?? [], PodFixtures.Sandbox(volumes), "/logs/0.log");
    }

    [Theory]
    [InlineData("""{"name":"c","image":"bb"}""", "/ep a|b")]
    [InlineData("""{"name":"c","image":"bb","args":["x"]}""", "/ep a|x")]
    [InlineData("""{"name":"c","image":"bb","command":["sh"]}""", "sh")]
    [InlineData("""{"name":"c","image":"bb","command":["sh"],"args":["-c","echo $(V)"]}""", "sh|-c|echo hello")]
    public void CommandAndArgsOverTheImage(string container, string expected)
    {
        var spec = Build(container, PodFixtures.Image(entrypoint: ["/ep a"], cmd: ["b"]), env: [new("V", "hello")]);
        Assert.Equal(expected, string.Join("|", spec.Process.Args));
    }

    [Fact]
    public void IdentityResourcesSecurityAndNamespaces()
    {
        var spec = Build("""
            {"name":"c","image":"bb","workingDir":"/w","tty":true,
             "resources":{"requests":{"cpu":"250m"},"limits":{"cpu":"1","memory":"128Mi"}},
             "securityContext":{"runAsUser":1000,"runAsGroup":2000,"capabilities":{"add":["NET_ADMIN"],"drop":["ALL"]},
               "readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}
            """, PodFixtures.Image(entrypoint: ["x"], env: ["PATH=/bin", "A=image"]), env: [new("A", "pod")]);
        Assert.Equal("0123456789ab-c-2", spec.Id);
        Assert.Equal("0123456789ab-cdef", spec.SandboxId);
        Assert.Equal("/berth/pod0123456789ab-cdef", spec.Resources.CgroupParent);
        Assert.Equal(256UL, spec.Resources.CpuShares);
        Assert.Equal(100_000L, spec.Resources.CpuQuotaMicros);
        Assert.Equal(128L << 20, spec.Resources.MemoryLimitBytes);
        Assert.Equal(new ProcessUser(1000, 2000), spec.Process.User with { AdditionalGids = null });
        Assert.Equal("/w", spec.Process.WorkingDir);
        Assert.True(spec.Process.Tty);
        Assert.Contains("A=pod", spec.Process.Env);
        Assert.DoesNotContain("A=image", spec.Process.Env);
        Assert.Equal(["NET_ADMIN"], spec.Security.CapAdd);
        Assert.Equal(["ALL"], spec.Security.CapDrop);
        Assert.True(spec.Security.ReadOnlyRootfs);
        Assert.True(spec.Security.NoNewPrivileges);
        Assert.Equal(NamespaceMode.Join, spec.Namespaces.Network.Mode);
        Assert.Equal("/var/run/netns/berth-x", spec.Namespaces.Network.Path);
        Assert.Equal("/run/berth/pods/u/ipc", spec.Namespaces.Ipc.Path);
        Assert.Equal("2", spec.Annotations[ContainerAnnotations.RestartCount]);
        Assert.Equal("c", spec.Annotations[ContainerAnnotations.ContainerName]);
        Assert.Equal("/logs/0.log", spec.LogPath);
    }

    [Theory]
    [InlineData("", "0", "container has runAsNonRoot and image will run as root (pod: \"web_default(0123456789ab-cdef)\", container: c)")]
    [InlineData("", "", "container has runAsNonRoot and image will run as root (pod: \"web_default(0123456789ab-cdef)\", container: c)")]
    [InlineData("", "nobody", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: \"web_default(0123456789ab-cdef)\", container: c)")]
    [InlineData("\"runAsUser\":0,", "1000", "container's runAsUser breaks non-root policy (pod: \"web_default(0123456789ab-cdef)\", container: c)")]
    public void RunAsNonRootIsEnforced(string extra, string imageUser, string message)
    {
        var e = Assert.Throws<ContainerConfigException>(() =>
            Build("""{"name":"c","image":"bb","securityContext":{""" + extra + "\"runAsNonRoot\":true}}", PodFixtures.Image(entrypoint: ["x"], user: imageUser)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void NonRootImageUserPasses()
    {
        var spec = Build("""{"name":"c","image":"bb","securityContext":{"runAsNonRoot":true}}""", PodFixtures.Image(entrypoint: ["x"], user: "65534"));
        Assert.Equal(65534u, spec.Process.User.Uid);
    }

    [Fact]
    public void VolumeMountsBindTheVolumesHostPaths()
    {
        var spec = Build("""{"name":"c","image":"bb","volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}]}""",
            PodFixtures.Image(entrypoint: ["x"]), volumes: new Dictionary<string, string> { ["data"] = "/host/data" });
        var m = Assert.Single(spec.Mounts);
        Assert.Equal(("/data", "/host/data", true), (m.Destination, m.Source, m.ReadOnly));
        var e = Assert.Throws<ContainerConfigException>(() =>
            Build("""{"name":"c","image":"bb","volumeMounts":[{"name":"nope","mountPath":"/x"}]}""", PodFixtures.Image(entrypoint: ["x"])));
        Assert.Equal("cannot find volume \"nope\" to mount into container \"c\"", e.Message);
    }

    [Fact]
    public void NoCommandAnywhereIsACreateError() =>
        Assert.Throws<ContainerCreateException>(() => Build("""{"name":"c","image":"bb"}""", PodFixtures.Image()));

    [Theory]
    [InlineData(null, 15)]
    [InlineData("SIGKILL", 9)]
    [InlineData("KILL", 9)]
    [InlineData("2", 2)]
    [InlineData("SIGQUIT", 3)]
    public void StopSignals(string? signal, int expected) => Assert.Equal(expected, ContainerSpecFactory.StopSignal(signal));

    [Fact]
    public void LongNamesGetAHashedId()
    {
        var id = ContainerSpecFactory.ContainerId("0123456789ab-cdef", new string('n', 63), 12);
        Assert.True(id.Length <= 64);
        Assert.StartsWith("0123456789ab-", id);
        Assert.EndsWith("-12", id);
    }
}
