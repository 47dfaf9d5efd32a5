using System.Text.Json.Nodes;
using Berth.Controllers.Common;
using Berth.Controllers.DaemonSets;
using Berth.Controllers.NodeLifecycle;
using Berth.Controllers.Scheduling;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class NodeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>JSON written with single quotes (readable in C# strings).</summary>
    private static string J(string text) => text.Replace('\'', '"');

    private static JsonObject Node(string name, string labels = "{}", string taints = "[]") => JsonNode.Parse(J("{'metadata':{'name':'") + (name) + J("','labels':") + (labels) + J("},'spec':{'taints':") + (taints) + J("}}"))!.AsObject();

    private static JsonObject Template(string spec) => JsonNode.Parse(J("{'spec':") + (spec) + J("}"))!.AsObject();

    [Fact]
    public void Label_selectors_match_as_controllers_read_them()
    {
        var labels = JsonNode.Parse(J("{'app':'web','tier':'fe','v':'2'}"))!.AsObject();
        Assert.True(LabelMatcher.From(JsonNode.Parse(J("{'matchLabels':{'app':'web'}}"))).Matches(labels));
        Assert.False(LabelMatcher.From(JsonNode.Parse(J("{'matchLabels':{'app':'db'}}"))).Matches(labels));
        Assert.True(LabelMatcher.From(JsonNode.Parse(J("{'matchExpressions':[{'key':'tier','operator':'In','values':['fe','be']},{'key':'x','operator':'DoesNotExist'}]}"))).Matches(labels));
        Assert.False(LabelMatcher.From(JsonNode.Parse(J("{'matchExpressions':[{'key':'v','operator':'NotIn','values':['2']}]}"))).Matches(labels));
        Assert.True(LabelMatcher.From(JsonNode.Parse("{}")).Matches(labels));
        Assert.False(LabelMatcher.From(null).Matches(labels));
        Assert.False(LabelMatcher.From(JsonNode.Parse(J("{'matchExpressions':[{'key':'v','operator':'Gt','values':['1']}]}"))).Matches(labels));
    }

    [Fact]
    public void Node_affinity_and_selectors()
    {
        var node = Node("n1", J("{'zone':'a','gen':'5'}"));
        Assert.True(NodeMatching.MatchesNodeAffinity(Template(J("{'nodeSelector':{'zone':'a'}}"))["spec"]!.AsObject(), node));
        Assert.False(NodeMatching.MatchesNodeAffinity(Template(J("{'nodeSelector':{'zone':'b'}}"))["spec"]!.AsObject(), node));
        var affinity = J("{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[ {'matchExpressions':[{'key':'zone','operator':'In','values':['b']}]}, {'matchExpressions':[{'key':'gen','operator':'Gt','values':['4']}],'matchFields':[{'key':'metadata.name','operator':'In','values':['n1']}]}]}}}}");
        Assert.True(NodeMatching.MatchesNodeAffinity(Template(affinity)["spec"]!.AsObject(), node));
        Assert.False(NodeMatching.MatchesNodeAffinity(Template(affinity)["spec"]!.AsObject(), Node("n2", J("{'zone':'a','gen':'5'}"))));
        Assert.False(NodeMatching.MatchesNodeAffinity(Template(J("{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{}]}}}}"))["spec"]!.AsObject(), node));
    }

    [Fact]
    public void Daemon_pods_tolerate_what_kube_adds_and_respect_other_taints()
    {
        var plain = Template(J("{'containers':[]}"));
        Assert.Equal((true, true), DaemonSetPods.ShouldRun(plain, Node("n", taints: J("[{'key':'node.kubernetes.io/unreachable','effect':'NoExecute'}]"))));
        Assert.Equal((true, true), DaemonSetPods.ShouldRun(plain, Node("n", taints: J("[{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule'}]"))));
        Assert.Equal((false, true), DaemonSetPods.ShouldRun(plain, Node("n", taints: J("[{'key':'gpu','value':'x','effect':'NoSchedule'}]"))));
        Assert.Equal((false, false), DaemonSetPods.ShouldRun(plain, Node("n", taints: J("[{'key':'gpu','effect':'NoExecute'}]"))));
        var tolerant = Template(J("{'tolerations':[{'key':'gpu','operator':'Exists'}]}"));
        Assert.Equal((true, true), DaemonSetPods.ShouldRun(tolerant, Node("n", taints: J("[{'key':'gpu','effect':'NoExecute'}]"))));
        Assert.Equal((false, false), DaemonSetPods.ShouldRun(Template(J("{'nodeName':'other'}")), Node("n")));
    }

    [Fact]
    public void Daemon_pods_are_pinned_by_match_fields()
    {
        var ds = JsonNode.Parse(J("{'metadata':{'name':'agent','namespace':'kube-system','uid':'u1','generation':4}}"))!.AsObject();
        var type = Berth.Api.Resources.ResourceRegistry.Default.Find("apps", "v1", "daemonsets")!;
        var pod = DaemonSetPods.NewPod(ds, type, Template(J("{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'a','operator':'Exists'}]}]}}}}")), "n7", "h1");
        Assert.Equal("n7", DaemonSetPods.TargetNode(pod));
        Assert.Equal("h1", pod["metadata"]!["labels"]!["controller-revision-hash"]!.GetValue<string>());
        Assert.Equal("4", pod["metadata"]!["labels"]!["pod-template-generation"]!.GetValue<string>());
        var terms = pod["spec"]!["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]!.AsArray();
        Assert.Single(terms);
        Assert.Null(terms[0]!["matchExpressions"]);
    }

    [Fact]
    public void Eviction_time_follows_tolerations_and_defaults()
    {
        var tainted = Node("n", taints: J("[{'key':'node.kubernetes.io/unreachable','effect':'NoExecute','timeAdded':'") + Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) + J("'}]"));
        JsonObject Pod(string tolerations) => JsonNode.Parse(J("{'spec':{'tolerations':") + (tolerations) + J("}}"))!.AsObject();
        Assert.Equal(Now.AddSeconds(300), TaintEviction.EvictAt(tainted, Pod("[]"), 300, Now));
        Assert.Null(TaintEviction.EvictAt(tainted, Pod(J("[{'key':'node.kubernetes.io/unreachable','operator':'Exists','effect':'NoExecute'}]")), 300, Now));
        Assert.Equal(Now.AddSeconds(30), TaintEviction.EvictAt(tainted, Pod(J("[{'operator':'Exists','tolerationSeconds':30}]")), 300, Now));
        Assert.Equal(DateTimeOffset.MinValue, TaintEviction.EvictAt(tainted, Pod(J("[{'key':'node.kubernetes.io/unreachable','operator':'Exists','effect':'NoExecute','tolerationSeconds':0}]")), 300, Now));
        var other = Node("n", taints: J("[{'key':'maintenance','effect':'NoExecute'}]"));
        Assert.Equal(DateTimeOffset.MinValue, TaintEviction.EvictAt(other, Pod("[]"), 300, Now));
        Assert.Null(TaintEviction.EvictAt(Node("n"), Pod("[]"), 300, Now));
    }

    [Fact]
    public void Default_toleration_seconds_admission_adds_only_what_is_missing()
    {
        var pod = JsonNode.Parse(J("{'spec':{'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists','effect':'NoExecute','tolerationSeconds':60}]}}"))!.AsObject();
        Assert.True(DefaultTolerationSeconds.Apply(pod, 300));
        var tolerations = pod["spec"]!["tolerations"]!.AsArray();
        Assert.Equal(2, tolerations.Count);
        Assert.Equal("node.kubernetes.io/unreachable", tolerations[1]!["key"]!.GetValue<string>());
        Assert.Equal(300, tolerations[1]!["tolerationSeconds"]!.GetValue<long>());
        Assert.False(DefaultTolerationSeconds.Apply(pod, 300));
    }

    [Fact]
    public void Unschedulable_pods_back_off_and_come_back_at_the_latest_after_five_minutes()
    {
        var failed = new UnschedulablePod(Now, Epoch: 7, Attempts: 1);
        Assert.False(failed.Due(Now.AddMilliseconds(500), 8));
        Assert.True(failed.Due(Now.AddSeconds(1), 8));
        Assert.False(failed.Due(Now.AddMinutes(4), 7));
        Assert.True(failed.Due(Now.AddMinutes(5), 7));
        Assert.Equal(Now.AddSeconds(10), new UnschedulablePod(Now, 1, 9).BackoffUntil);
        Assert.Equal(Now.AddSeconds(4), new UnschedulablePod(Now, 1, 3).BackoffUntil);
    }

    [Fact]
    public void Pods_follow_their_local_volumes()
    {
        var pod = JsonNode.Parse(J("{'metadata':{'name':'web-0','namespace':'ns'},'spec':{'containers':[],'volumes':[{'name':'www','persistentVolumeClaim':{'claimName':'www-web-0'}}], 'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'In','values':['a']}]}]}}}}}"))!.AsObject();
        var typed = k8s.KubernetesJson.Deserialize<k8s.Models.V1Pod>(pod.ToJsonString());
        var claim = JsonNode.Parse(J("{'metadata':{'name':'www-web-0','namespace':'ns'},'spec':{'volumeName':'pvc-1'}}"))!.AsObject();
        var pv = JsonNode.Parse(J("{'metadata':{'name':'pvc-1'},'spec':{'nodeAffinity':{'required':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'kubernetes.io/hostname','operator':'In','values':['n1']}]}]}}}}"))!.AsObject();

        var (pinned, error) = VolumeBinding.Apply(pod, typed, (_, _) => claim, _ => pv);
        Assert.Null(error);
        var term = Assert.Single(pinned.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
        Assert.Equal(["zone", "kubernetes.io/hostname"], term.MatchExpressions.Select(e => e.Key));
        Assert.Single(typed.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions);

        var (_, missing) = VolumeBinding.Apply(pod, typed, (_, _) => null, _ => pv);
        Assert.Equal("persistentvolumeclaim \"www-web-0\" not found", missing);
        Assert.Equal("0/2 nodes are available: persistentvolumeclaim \"www-web-0\" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
            VolumeBinding.FitError(2, missing!));
    }
}
