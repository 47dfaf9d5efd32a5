using System.Diagnostics;
using System.Net;
using System.Text;
using Berth.Network.Host;
using Berth.Network.Policy;
using Berth.Network.Services;
using Berth.Network.Tests.Support;
using Xunit;

namespace Berth.Network.Tests.Policy;

/// <summary>
/// NetworkPolicy enforcement between real pods (netns on a test bridge, set up by <c>PodNetwork</c>), each serving
/// HTTP "NAME" on :8080, "NAME-8081" on :8081 and a TCP echo on :9000 (<see cref="ServicePods"/>).
/// </summary>
[Trait("Tier", "Integration")]
public sealed class NftablesPolicyEnforcerTests
{
    private const string Table = "bt-pol";
    private static readonly string[] Tools = ["ip", "nft", "iptables", "busybox", "/usr/lib/cni/bridge"];
    private static readonly NetworkPolicyOptions Options = new() { TableName = Table };

    /// <summary>The pods of a test with the identities the policies see (namespace, labels, named ports).</summary>
    private sealed class World(ServicePods sp)
    {
        private readonly Dictionary<string, PolicyPod> _pods = [];
        private readonly List<PolicyNamespace> _namespaces = [];

        public ServicePods Sp { get; } = sp;

        public World Pod(string pod, string ns, params (string K, string V)[] labels) => Pod(pod, ns, [], labels);

        public World Pod(string pod, string ns, IReadOnlyList<PolicyNamedPort> ports, params (string K, string V)[] labels)
        {
            var s = Sp.Pods[pod];
            _pods[pod] = new PolicyPod(s.PodUid, ns, pod, s.PodIP, labels.ToDictionary(l => l.K, l => l.V), ports);
            return this;
        }

        public World Namespace(string name, params (string K, string V)[] labels)
        {
            _namespaces.Add(new PolicyNamespace(name, labels.ToDictionary(l => l.K, l => l.V)));
            return this;
        }

        public PolicyState With(params NetworkPolicy[] policies) => new([.. _pods.Values], [.. _pods.Values], _namespaces, policies);

        public string Ip(string pod) => Sp.Pods[pod].PodIP.ToString();

        public string Url(string pod, int port = 8080) => $"http://{Ip(pod)}:{port}/";

        public async Task AllowedAsync(string from, string url, string body)
        {
            var (ok, output, _) = await PodClient.GetAsync(Sp.NetnsOf(from), url);
            Assert.True(ok && output == body, $"{from} -> {url}: expected \"{body}\", got ok={ok} \"{output}\"");
        }

        public async Task DeniedAsync(string from, string url)
        {
            var (ok, output, elapsed) = await PodClient.GetAsync(Sp.NetnsOf(from), url);
            Assert.False(ok, $"{from} -> {url} should be denied but answered \"{output}\"");
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"{from} -> {url}: a denial must be quick (rejected), took {elapsed.TotalMilliseconds:F0} ms: {output}");
        }
    }

    private static NetworkPolicy Policy(string ns, string name, PolicySelector selector, PolicyTypes types, IReadOnlyList<PolicyRule>? ingress = null, IReadOnlyList<PolicyRule>? egress = null) =>
        new(ns, name, selector, types, ingress ?? [], egress ?? []);

    private static PolicyRule From(params PolicyPeer[] peers) => new(peers, []);

    private static PolicySelector L(string k, string v) => PolicySelector.Labels((k, v));

    private static async Task AssertNoTableAsync() =>
        Assert.DoesNotContain(Table, await HostCommand.RunCheckedAsync("nft", ["list", "ruleset"]));

    [Fact]
    public async Task ADenyingPolicyStopsFrontToBackAndRemovingItRestoresIt()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np1", "front", "back", "other");
        var w = new World(sp).Pod("front", "shop", ("app", "front")).Pod("back", "shop", ("app", "back")).Pod("other", "shop", ("app", "other"));
        var enforcer = new NftablesPolicyEnforcer(Options);
        try
        {
            await using var loop = new NetworkPolicyLoop(enforcer, TimeProvider.System, TimeSpan.FromMilliseconds(100));
            loop.Start();
            await loop.WaitForAsync(loop.Update(w.With()), TestContext.Current.CancellationToken);
            await w.AllowedAsync("front", w.Url("back"), "back");

            // only "other" may reach "back"
            var onlyOther = Policy("shop", "only-other", L("app", "back"), PolicyTypes.Ingress, [From(new PolicyPeer(L("app", "other")))]);
            var sw = Stopwatch.StartNew();
            await loop.WaitForAsync(loop.Update(w.With(onlyOther)), TestContext.Current.CancellationToken);
            var converged = sw.Elapsed;
            Assert.True(converged < TimeSpan.FromSeconds(1), $"enforced after {converged}");
            await w.DeniedAsync("front", w.Url("back"));
            await w.AllowedAsync("other", w.Url("back"), "back");
            await w.AllowedAsync("back", w.Url("front"), "front"); // front is not isolated
            Assert.Equal("back", await Http.GetAsync(w.Url("back"))); // the node always reaches its pods (probes)

            sw.Restart();
            await loop.WaitForAsync(loop.Update(w.With()), TestContext.Current.CancellationToken);
            var restored = sw.Elapsed;
            await w.AllowedAsync("front", w.Url("back"), "back");
            Console.WriteLine($"[network-policy convergence] applyMs={converged.TotalMilliseconds:F0} removeMs={restored.TotalMilliseconds:F0} lastSyncMs={enforcer.LastSyncDuration.TotalMilliseconds:F0}");
        }
        finally
        {
            await enforcer.CleanupAsync();
        }

        await AssertNoTableAsync();
    }

    [Fact]
    public async Task NamespaceSelectorsAndIpBlocks()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np2", "front", "back", "other");
        var w = new World(sp)
            .Pod("front", "web", ("app", "front")).Pod("back", "shop", ("app", "back")).Pod("other", "ops", ("app", "front"))
            .Namespace("web", ("team", "web")).Namespace("ops", ("team", "ops")).Namespace("shop");
        var enforcer = new NftablesPolicyEnforcer(Options);
        try
        {
            var fromWeb = Policy("shop", "from-web", L("app", "back"), PolicyTypes.Ingress, [From(new PolicyPeer(NamespaceSelector: L("team", "web")))]);
            await enforcer.SyncAsync(w.With(fromWeb));
            await w.AllowedAsync("front", w.Url("back"), "back");
            await w.DeniedAsync("other", w.Url("back"));

            // pod and namespace selector in one peer: both must hold (other has app=front but lives in ops)
            var opsFront = Policy("shop", "ops-front", L("app", "back"), PolicyTypes.Ingress,
                [From(new PolicyPeer(L("app", "front"), L("kubernetes.io/metadata.name", "ops")))]);
            await enforcer.SyncAsync(w.With(opsFront));
            await w.AllowedAsync("other", w.Url("back"), "back");
            await w.DeniedAsync("front", w.Url("back"));

            // the node's pod CIDR except "other"
            var cidr = sp.Node.Options.PodCidr;
            var block = Policy("shop", "block", L("app", "back"), PolicyTypes.Ingress,
                [From(new PolicyPeer(IPBlock: new PolicyIPBlock(cidr, [IPNetwork.Parse(w.Ip("other") + "/32")])))]);
            await enforcer.SyncAsync(w.With(block));
            await w.AllowedAsync("front", w.Url("back"), "back");
            await w.DeniedAsync("other", w.Url("back"));
        }
        finally
        {
            await enforcer.CleanupAsync();
        }

        await AssertNoTableAsync();
    }

    [Fact]
    public async Task PortsByNumberRangeAndName()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np3", "front", "back");
        var w = new World(sp).Pod("front", "shop", ("app", "front")).Pod("back", "shop", [new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080)], ("app", "back"));
        var enforcer = new NftablesPolicyEnforcer(Options);
        try
        {
            var named = Policy("shop", "http-only", L("app", "back"), PolicyTypes.Ingress, [new PolicyRule([], [new PolicyPort(NamedPort: "http")])]);
            await enforcer.SyncAsync(w.With(named));
            await w.AllowedAsync("front", w.Url("back", 8080), "back");
            await w.DeniedAsync("front", w.Url("back", 8081));

            var range = Policy("shop", "range", L("app", "back"), PolicyTypes.Ingress, [new PolicyRule([new PolicyPeer(L("app", "front"))], [new PolicyPort(Port: 8081, EndPort: 8090)])]);
            await enforcer.SyncAsync(w.With(range));
            await w.DeniedAsync("front", w.Url("back", 8080));
            await w.AllowedAsync("front", w.Url("back", 8081), "back-8081");
        }
        finally
        {
            await enforcer.CleanupAsync();
        }

        await AssertNoTableAsync();
    }

    [Fact]
    public async Task DefaultDenyAndEgressRulesLeaveTheNodeReachable()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np4", "front", "back", "other");
        var w = new World(sp).Pod("front", "shop", ("app", "front")).Pod("back", "shop", ("app", "back")).Pod("other", "ops", ("app", "other"));
        using var node = new HostHttpListener(sp.Pods["front"].Gateway, "node");
        var nodeUrl = $"http://{sp.Pods["front"].Gateway}:{node.Port}/";
        var enforcer = new NftablesPolicyEnforcer(Options);
        try
        {
            // default deny (ingress) for the namespace "shop": podSelector {} and no rules
            var denyAll = Policy("shop", "default-deny", PolicySelector.Everything, PolicyTypes.Ingress);
            await enforcer.SyncAsync(w.With(denyAll));
            await w.DeniedAsync("front", w.Url("back"));
            await w.DeniedAsync("back", w.Url("front"));
            await w.DeniedAsync("other", w.Url("back"));
            await w.AllowedAsync("front", w.Url("other"), "other"); // ops is not isolated
            await w.AllowedAsync("front", w.Url("front"), "front"); // a pod reaches itself
            Assert.Equal("back", await Http.GetAsync(w.Url("back"))); // node -> pod
            await w.AllowedAsync("back", nodeUrl, "node"); // pod -> node

            // egress: front may only reach back:9000 (and its node)
            var egress = Policy("shop", "front-egress", L("app", "front"), PolicyTypes.Egress,
                egress: [new PolicyRule([new PolicyPeer(L("app", "back"))], [new PolicyPort(Port: 8081)])]);
            await enforcer.SyncAsync(w.With(egress));
            await w.AllowedAsync("front", w.Url("back", 8081), "back-8081");
            await w.DeniedAsync("front", w.Url("back", 8080));
            await w.DeniedAsync("front", w.Url("other"));
            await w.AllowedAsync("front", nodeUrl, "node");
            await w.AllowedAsync("other", w.Url("front"), "front"); // front is isolated for egress only
        }
        finally
        {
            await enforcer.CleanupAsync();
        }

        await AssertNoTableAsync();
    }

    [Fact]
    public async Task RepliesAndEstablishedConnectionsPass()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np5", "front", "back");
        var w = new World(sp).Pod("front", "shop", ("app", "front")).Pod("back", "shop", ("app", "back"));
        var enforcer = new NftablesPolicyEnforcer(Options);
        var dir = Directory.CreateTempSubdirectory("bt-pol-").FullName;
        try
        {
            // back may send nothing on its own, yet its replies to allowed connections pass
            var backNoEgress = Policy("shop", "back-no-egress", L("app", "back"), PolicyTypes.Egress);
            await enforcer.SyncAsync(w.With(backNoEgress));
            await w.AllowedAsync("front", w.Url("back"), "back");
            await w.DeniedAsync("back", w.Url("front"));

            // a connection front -> back:9000 opened while allowed keeps working after a policy denies new ones
            var input = Path.Combine(dir, "in");
            var output = Path.Combine(dir, "out");
            Assert.True((await HostCommand.RunAsync("mkfifo", [input])).Succeeded);
            using var client = NetnsProcess.Start(sp.NetnsOf("front"), "busybox", "sh", "-c", $"exec busybox nc {w.Ip("back")} 9000 < {input} > {output}");
            await using var writer = await Task.Run(() => new FileStream(input, FileMode.Open, FileAccess.Write)).WaitAsync(TimeSpan.FromSeconds(5));
            await SendAsync(writer, output, "one");

            var denyFront = Policy("shop", "deny", L("app", "back"), PolicyTypes.Ingress);
            await enforcer.SyncAsync(w.With(backNoEgress, denyFront));
            await w.DeniedAsync("front", w.Url("back"));
            await SendAsync(writer, output, "two");
            Assert.False(client.HasExited);
        }
        finally
        {
            await enforcer.CleanupAsync();
            Directory.Delete(dir, recursive: true);
        }

        await AssertNoTableAsync();
    }

    [Fact]
    public async Task PoliciesSeeTheEndpointAndTargetPortBehindAClusterIp()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("np6", "front", "back", "other");
        var w = new World(sp).Pod("front", "shop", ("app", "front")).Pod("back", "shop", ("app", "back")).Pod("other", "shop", ("app", "other"));
        var proxy = new NftablesServiceProxy(new ServiceProxyOptions
        {
            TableName = "bt-polsvc",
            ServiceCidr = IPNetwork.Parse("10.97.0.0/16"),
            ClusterCidr = IPNetwork.Parse("10.250.0.0/16"),
        });
        var enforcer = new NftablesPolicyEnforcer(Options);
        try
        {
            await proxy.SyncAsync([new ProxyService("shop", "back", IPAddress.Parse("10.97.0.60"),
                [new ProxyServicePort("http", ProxyProtocol.Tcp, 80, null, [new ProxyEndpoint(sp.Pods["back"].PodIP, 8080)])])]);
            await w.AllowedAsync("front", "http://10.97.0.60/", "back");

            // allowed: from front, to the target port 8080 (the service port 80 is never seen by the filter)
            var targetPort = Policy("shop", "front-8080", L("app", "back"), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(L("app", "front"))], [new PolicyPort(Port: 8080)])]);
            await enforcer.SyncAsync(w.With(targetPort));
            await w.AllowedAsync("front", "http://10.97.0.60/", "back");
            await w.DeniedAsync("other", "http://10.97.0.60/");

            var servicePort = Policy("shop", "front-80", L("app", "back"), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(L("app", "front"))], [new PolicyPort(Port: 80)])]);
            await enforcer.SyncAsync(w.With(servicePort));
            await w.DeniedAsync("front", "http://10.97.0.60/");

            // egress of the client is checked against the endpoint too
            var frontEgress = Policy("shop", "front-egress", L("app", "front"), PolicyTypes.Egress,
                egress: [new PolicyRule([new PolicyPeer(L("app", "back"))], [])]);
            await enforcer.SyncAsync(w.With(frontEgress));
            await w.AllowedAsync("front", "http://10.97.0.60/", "back");
            await w.DeniedAsync("front", w.Url("other"));
        }
        finally
        {
            await enforcer.CleanupAsync();
            await proxy.CleanupAsync();
        }

        await AssertNoTableAsync();
    }

    private static async Task SendAsync(FileStream writer, string outputFile, string line)
    {
        await writer.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"));
        await writer.FlushAsync();
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(outputFile) && (await File.ReadAllTextAsync(outputFile)).Contains(line, StringComparison.Ordinal)))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(5), $"no echo of \"{line}\" through the established connection");
            await Task.Delay(20);
        }
    }
}
