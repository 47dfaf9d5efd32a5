using System.Text;
using Berth.Agent.Pods;
using k8s.Models;
using Xunit;

namespace Berth.Agent.Tests.Pods;

[Trait("Tier", "Unit")]
public sealed class EnvResolverTests
{
    private static readonly NodeAllocatable Node = new(2, 8L << 30, 100L << 30);

    private static readonly V1Pod Pod = PodFixtures.Pod("""
        {"metadata":{"name":"web","namespace":"ns1","uid":"u-1","labels":{"app":"web","tier":"f"},"annotations":{"a":"1"}},
         "spec":{"nodeName":"n1","serviceAccountName":"default","containers":[{"name":"c","image":"bb",
           "resources":{"limits":{"cpu":"500m","memory":"64Mi"}},
           "envFrom":[{"configMapRef":{"name":"cm"}},{"prefix":"S_","secretRef":{"name":"sec"}}],
           "env":[
             {"name":"A","value":"x"},
             {"name":"B","value":"$(A)-$(K1)-$(NOPE)"},
             {"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
             {"name":"NS","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}},
             {"name":"UID","valueFrom":{"fieldRef":{"fieldPath":"metadata.uid"}}},
             {"name":"APP","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}},
             {"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}},
             {"name":"SA","valueFrom":{"fieldRef":{"fieldPath":"spec.serviceAccountName"}}},
             {"name":"IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
             {"name":"HOST","valueFrom":{"fieldRef":{"fieldPath":"status.hostIP"}}},
             {"name":"CPU","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu","divisor":"1m"}}},
             {"name":"MEM","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}},
             {"name":"K2","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k2"}}},
             {"name":"PW","valueFrom":{"secretKeyRef":{"name":"sec","key":"pw"}}},
             {"name":"OPT","valueFrom":{"configMapKeyRef":{"name":"none","key":"x","optional":true}}}
           ]}]}}
        """);

    private static PodFixtures.Objects Objects()
    {
        var o = new PodFixtures.Objects();
        o.ConfigMaps["ns1/cm"] = new V1ConfigMap { Data = new Dictionary<string, string> { ["K1"] = "v1", ["k2"] = "v2" } };
        o.Secrets["ns1/sec"] = new V1Secret { Data = new Dictionary<string, byte[]> { ["pw"] = Encoding.UTF8.GetBytes("s3cret") } };
        return o;
    }

    [Fact]
    public async Task ResolvesEnvFromValueFromAndExpansion()
    {
        var env = await EnvResolver.ResolveAsync(Pod, Pod.Spec.Containers[0], "10.244.0.5", "192.0.2.2", Node, Objects(), TestContext.Current.CancellationToken);
        var map = env.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("v1", map["K1"]);
        Assert.Equal("s3cret", map["S_pw"]);
        Assert.Equal("x-v1-$(NOPE)", map["B"]);
        Assert.Equal("web", map["POD"]);
        Assert.Equal("ns1", map["NS"]);
        Assert.Equal("u-1", map["UID"]);
        Assert.Equal("web", map["APP"]);
        Assert.Equal("n1", map["NODE"]);
        Assert.Equal("default", map["SA"]);
        Assert.Equal("10.244.0.5", map["IP"]);
        Assert.Equal("192.0.2.2", map["HOST"]);
        Assert.Equal("500", map["CPU"]);
        Assert.Equal("64", map["MEM"]);
        Assert.Equal("v2", map["K2"]);
        Assert.Equal("s3cret", map["PW"]);
        Assert.False(map.ContainsKey("OPT"));
        Assert.Equal("K1", env[0].Key);   // envFrom first, env after
    }

    [Fact]
    public async Task AnIndexedJobPodSeesItsCompletionIndex()
    {
        // The Job controller adds exactly this env var (batch/v1 Indexed completion mode, as kube's job controller).
        var pod = PodFixtures.Pod("""
            {"metadata":{"name":"work-2-x","namespace":"ns1","uid":"u","annotations":{"batch.kubernetes.io/job-completion-index":"2"}},
             "spec":{"containers":[{"name":"c","image":"bb","env":[{"name":"JOB_COMPLETION_INDEX","valueFrom":{"fieldRef":
               {"apiVersion":"v1","fieldPath":"metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}]}]}}
            """);
        var env = await EnvResolver.ResolveAsync(pod, pod.Spec.Containers[0], null, null, Node, Objects(), TestContext.Current.CancellationToken);
        Assert.Equal("2", Assert.Single(env, p => p.Key == "JOB_COMPLETION_INDEX").Value);
    }

    [Theory]
    [InlineData("""{"name":"X","valueFrom":{"configMapKeyRef":{"name":"gone","key":"k"}}}""", "configmap \"gone\" not found")]
    [InlineData("""{"name":"X","valueFrom":{"configMapKeyRef":{"name":"cm","key":"missing"}}}""", "couldn't find key missing in ConfigMap ns1/cm")]
    [InlineData("""{"name":"X","valueFrom":{"secretKeyRef":{"name":"gone","key":"k"}}}""", "secret \"gone\" not found")]
    [InlineData("""{"name":"X","valueFrom":{"secretKeyRef":{"name":"sec","key":"missing"}}}""", "couldn't find key missing in Secret ns1/sec")]
    public async Task MissingReferencesFailWithTheKubeletsMessage(string envJson, string message)
    {
        var pod = PodFixtures.Pod("""{"metadata":{"name":"p","namespace":"ns1","uid":"u"},"spec":{"containers":[{"name":"c","image":"bb","env":[""" + envJson + "]}]}}");
        var e = await Assert.ThrowsAsync<ContainerConfigException>(() => EnvResolver.ResolveAsync(pod, pod.Spec.Containers[0], null, null, Node, Objects(), TestContext.Current.CancellationToken));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void DownwardLabelsAreSortedQuotedLines() =>
        Assert.Equal("app=\"web\"\ntier=\"f\"", PodFields.FormatMap(Pod.Metadata.Labels));
}
