using System.Text.Json.Nodes;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class OciSpecBuilderTests
{
    private static readonly IReadOnlySet<string> AllCaps = Capabilities.Known.ToHashSet();

    private static ContainerSpec Spec(Func<ContainerSpec, ContainerSpec>? adjust = null)
    {
        var spec = new ContainerSpec
        {
            Id = "c1",
            LowerDirs = ["/layers/a"],
            Process = new ProcessSpec { Args = ["nginx", "-g", "daemon off;"] },
            LogPath = "/var/log/pods/x/0.log",
            Resources = new ResourceSpec { CgroupParent = "/berth/podabc" },
        };
        return adjust is null ? spec : adjust(spec);
    }

    private static JsonObject Build(ContainerSpec spec) => OciSpecBuilder.Build(spec, "rootfs", AllCaps);

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private static JsonObject MountAt(JsonObject config, string destination) =>
        config["mounts"]!.AsArray().Single(m => m!["destination"]!.GetValue<string>() == destination)!.AsObject();

    [Fact]
    public void DefaultsFollowRuncSpecAndContainerd()
    {
        var config = Build(Spec());
        Assert.Equal("1.0.2", config["ociVersion"]!.GetValue<string>());
        Assert.Equal("rootfs", config["root"]!["path"]!.GetValue<string>());
        Assert.False(config["root"]!["readonly"]!.GetValue<bool>());
        var process = config["process"]!;
        Assert.Equal(["nginx", "-g", "daemon off;"], Strings(process["args"]));
        Assert.Equal([OciSpecBuilder.DefaultPath], Strings(process["env"]));
        Assert.Equal("/", process["cwd"]!.GetValue<string>());
        Assert.Equal(0u, process["user"]!["uid"]!.GetValue<uint>());
        Assert.False(process["terminal"]!.GetValue<bool>());
        Assert.Equal(Capabilities.Default.Order(), Strings(process["capabilities"]!["bounding"]).Order());
        Assert.Equal(Strings(process["capabilities"]!["bounding"]), Strings(process["capabilities"]!["effective"]));
        Assert.Null(process["capabilities"]!["ambient"]);

        var linux = config["linux"]!;
        Assert.Equal(["pid", "network", "ipc", "uts", "mount"], linux["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToArray());
        Assert.Equal("/berth/podabc/c1", linux["cgroupsPath"]!.GetValue<string>());
        Assert.False(linux["resources"]!["devices"]![0]!["allow"]!.GetValue<bool>());
        Assert.Equal(OciSpecBuilder.MaskedPaths, Strings(linux["maskedPaths"]));
        Assert.Equal(OciSpecBuilder.ReadonlyPaths, Strings(linux["readonlyPaths"]));
        Assert.Null(linux["rootfsPropagation"]);
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"],
            config["mounts"]!.AsArray().Select(m => m!["destination"]!.GetValue<string>()).ToArray());
        Assert.Contains("ro", Strings(MountAt(config, "/sys")["options"]));
        Assert.Null(config["hostname"]);
    }

    [Fact]
    public void ProcessIdentityAndLimitsAreCarriedOver()
    {
        var config = Build(Spec(s => s with
        {
            Hostname = "web-0",
            Process = s.Process with
            {
                Env = ["PATH=/custom", "A=b"],
                WorkingDir = "/srv",
                User = new ProcessUser(101, 102, [5, 6]),
                Tty = true,
                OomScoreAdj = -997,
            },
            Resources = ResourceSpec.FromKubernetes("/berth/podabc", 250, 500, 64L << 20, 100),
            Security = new SecuritySpec { NoNewPrivileges = true, ReadOnlyRootfs = true },
            Annotations = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
        }));
        var process = config["process"]!;
        Assert.Equal(["PATH=/custom", "A=b"], Strings(process["env"]));
        Assert.Equal("/srv", process["cwd"]!.GetValue<string>());
        Assert.Equal(101u, process["user"]!["uid"]!.GetValue<uint>());
        Assert.Equal(102u, process["user"]!["gid"]!.GetValue<uint>());
        Assert.Equal([5u, 6u], process["user"]!["additionalGids"]!.AsArray().Select(g => g!.GetValue<uint>()).ToArray());
        Assert.True(process["terminal"]!.GetValue<bool>());
        Assert.True(process["noNewPrivileges"]!.GetValue<bool>());
        Assert.Equal(-997, process["oomScoreAdj"]!.GetValue<int>());
        Assert.True(config["root"]!["readonly"]!.GetValue<bool>());
        Assert.Equal("web-0", config["hostname"]!.GetValue<string>());
        Assert.Equal(["a", "b"], config["annotations"]!.AsObject().Select(kv => kv.Key).ToArray());

        var resources = config["linux"]!["resources"]!;
        Assert.Equal(64L << 20, resources["memory"]!["limit"]!.GetValue<long>());
        Assert.Equal(64L << 20, resources["memory"]!["swap"]!.GetValue<long>());
        Assert.Equal(256UL, resources["cpu"]!["shares"]!.GetValue<ulong>());
        Assert.Equal(50_000L, resources["cpu"]!["quota"]!.GetValue<long>());
        Assert.Equal(100_000UL, resources["cpu"]!["period"]!.GetValue<ulong>());
        Assert.Equal(100L, resources["pids"]!["limit"]!.GetValue<long>());
    }

    [Fact]
    public void MountsEtcFilesAndPropagation()
    {
        var config = Build(Spec(s => s with
        {
            HostsFile = "/pods/p/hosts",
            ResolvConfFile = "/pods/p/resolv.conf",
            HostnameFile = "/pods/p/hostname",
            Mounts =
            [
                new MountSpec { Destination = "/cache", Kind = MountKind.Tmpfs, SizeBytes = 1 << 20 },
                new MountSpec { Destination = "/data", Source = "/var/lib/data", ReadOnly = true },
                new MountSpec { Destination = "/host", Source = "/mnt", Propagation = MountPropagation.HostToContainer },
            ],
        }));
        var hosts = MountAt(config, "/etc/hosts");
        Assert.Equal("bind", hosts["type"]!.GetValue<string>());
        Assert.Equal("/pods/p/hosts", hosts["source"]!.GetValue<string>());
        Assert.Contains("rw", Strings(hosts["options"]));
        Assert.Equal("/pods/p/resolv.conf", MountAt(config, "/etc/resolv.conf")["source"]!.GetValue<string>());
        Assert.Equal("/pods/p/hostname", MountAt(config, "/etc/hostname")["source"]!.GetValue<string>());

        var cache = MountAt(config, "/cache");
        Assert.Equal("tmpfs", cache["type"]!.GetValue<string>());
        Assert.Contains("size=1048576", Strings(cache["options"]));
        Assert.Contains("rw", Strings(cache["options"]));

        var data = MountAt(config, "/data");
        Assert.Equal(["rbind", "rprivate", "ro"], Strings(data["options"]));
        Assert.Equal(["rbind", "rslave", "rw"], Strings(MountAt(config, "/host")["options"]));
        Assert.Equal("rslave", config["linux"]!["rootfsPropagation"]!.GetValue<string>());

        var readOnlyRoot = Build(Spec(s => s with { HostsFile = "/pods/p/hosts", Security = new SecuritySpec { ReadOnlyRootfs = true } }));
        Assert.Contains("ro", Strings(MountAt(readOnlyRoot, "/etc/hosts")["options"]));
    }

    [Fact]
    public void NamespacesAreNewHostOrJoined()
    {
        var config = Build(Spec(s => s with
        {
            Namespaces = new NamespaceSpec
            {
                Network = NamespaceRef.Join("/var/run/netns/pod1"),
                Ipc = NamespaceRef.Join("/run/berth/pods/p/ipc"),
                Uts = NamespaceRef.Host,
                Pid = NamespaceRef.Host,
            },
        }));
        var ns = config["linux"]!["namespaces"]!.AsArray().Select(n => (n!["type"]!.GetValue<string>(), n["path"]?.GetValue<string>())).ToArray();
        Assert.Equal([("network", "/var/run/netns/pod1"), ("ipc", "/run/berth/pods/p/ipc"), ("mount", null)], ns);

        var hostNetwork = Build(Spec(s => s with { Namespaces = new NamespaceSpec { Network = NamespaceRef.Host } }));
        var sys = MountAt(hostNetwork, "/sys");
        Assert.Equal("bind", sys["type"]!.GetValue<string>());
        Assert.Equal("/sys", sys["source"]!.GetValue<string>());
    }

    [Fact]
    public void PrivilegedGetsHostCapabilitiesDevicesAndNoMasks()
    {
        var bounding = Capabilities.Known.Where(c => c != "CAP_SYS_RESOURCE").ToHashSet();
        var spec = Spec(s => s with
        {
            Security = new SecuritySpec { Privileged = true },
            Mounts = [new MountSpec { Destination = "/shared", Source = "/mnt/shared", Propagation = MountPropagation.Bidirectional }],
        });
        var config = OciSpecBuilder.Build(spec, "rootfs", bounding, [new HostDevice("/dev/fuse", 'c', 10, 229)]);
        Assert.Equal(bounding.Order(), Strings(config["process"]!["capabilities"]!["effective"]).Order());
        var linux = config["linux"]!;
        Assert.Null(linux["maskedPaths"]);
        Assert.Null(linux["readonlyPaths"]);
        Assert.True(linux["resources"]!["devices"]![0]!["allow"]!.GetValue<bool>());
        Assert.Equal("/dev/fuse", linux["devices"]![0]!["path"]!.GetValue<string>());
        Assert.Equal("c", linux["devices"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(229, linux["devices"]![0]!["minor"]!.GetValue<long>());
        Assert.Equal("rshared", linux["rootfsPropagation"]!.GetValue<string>());
        Assert.Contains("rw", Strings(MountAt(config, "/sys")["options"]));
    }

    public static TheoryData<string, Func<ContainerSpec, ContainerSpec>> Invalid => new()
    {
        { "container id", s => s with { Id = "-bad" } },
        { "container id", s => s with { Id = "has/slash" } },
        { "container id", s => s with { Id = new string('a', 65) } },
        { "args must not be empty", s => s with { Process = s.Process with { Args = [] } } },
        { "must be absolute", s => s with { Process = s.Process with { WorkingDir = "srv" } } },
        { "cgroup parent", s => s with { Resources = new ResourceSpec { CgroupParent = "berth" } } },
        { "cgroup parent", s => s with { Resources = new ResourceSpec { CgroupParent = "/berth/../x" } } },
        { "needs a source", s => s with { Mounts = [new MountSpec { Destination = "/x" }] } },
        { "must be absolute", s => s with { Mounts = [new MountSpec { Destination = "x", Kind = MountKind.Tmpfs }] } },
        { "requires a privileged container", s => s with { Mounts = [new MountSpec { Destination = "/x", Source = "/y", Propagation = MountPropagation.Bidirectional }] } },
        { "UTS namespace", s => s with { Hostname = "h", Namespaces = new NamespaceSpec { Uts = NamespaceRef.Host } } },
        { "PID namespace", s => s with { Namespaces = new NamespaceSpec { Pid = NamespaceRef.Join("/proc/1/ns/pid") } } },
        { "unknown capability", s => s with { Security = new SecuritySpec { CapAdd = ["CAP_FLY"] } } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidSpecsAreRefusedWithAReason(string expected, Func<ContainerSpec, ContainerSpec> adjust)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Build(Spec(adjust)));
        Assert.Contains(expected, e.Message);
    }
}
