using Berth.Api.Resources;
using Berth.Api.Selectors;
using Xunit;

namespace Berth.Api.Tests.Selectors;

[Trait("Tier", "Unit")]
public sealed class LabelSelectorParseTests
{
    [Theory]
    [InlineData("x=a", "x=a")]
    [InlineData(" x = a ", "x=a")]
    [InlineData("x==a", "x==a")]
    [InlineData("x!=a", "x!=a")]
    [InlineData("x", "x")]
    [InlineData("!x", "!x")]
    [InlineData("! x", "!x")]
    [InlineData("x=", "x=")]
    [InlineData("x in (a,b)", "x in (a,b)")]
    [InlineData("x in (b,a,b)", "x in (a,b)")]
    [InlineData("x notin (a)", "x notin (a)")]
    [InlineData("x in ()", "x in ()")]
    [InlineData("x in (a,,b)", "x in (,a,b)")]
    [InlineData("x in (,a)", "x in (,a)")]
    [InlineData("x in (a,)", "x in (,a)")]
    [InlineData("x in (in,notin)", "x in (in,notin)")]
    [InlineData("in=notin", "in=notin")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<2", "x<2")]
    [InlineData("z=1,a=2,m", "a=2,m,z=1")]
    [InlineData("x,!y,z notin (a)", "x,!y,z notin (a)")]
    [InlineData("app.kubernetes.io/name=web,tier in (fe)", "app.kubernetes.io/name=web,tier in (fe)")]
    [InlineData("x\t=\na", "x=a")]
    public void ParsesAndPrints(string selector, string printed) => Assert.Equal(printed, LabelSelector.Parse(selector).ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyStringsSelectEverything(string? selector)
    {
        var s = LabelSelector.Parse(selector);
        Assert.True(s.IsEmpty);
        Assert.True(s.Matches(new Dictionary<string, string>()));
    }

    [Fact]
    public void RequirementsCarryKeyOperatorAndValues()
    {
        var r = Assert.Single(LabelSelector.Parse("tier notin (b, a)").Requirements);
        Assert.Equal("tier", r.Key);
        Assert.Equal(SelectorOperator.NotIn, r.Operator);
        Assert.Equal(["a", "b"], r.Values);
    }

    [Theory]
    [InlineData("x=a,", "found '', expected: identifier after ','")]
    [InlineData(",x", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("x=a b", "found 'b', expected: ',' or 'end of string'")]
    [InlineData("x=a=b", "found '=', expected: ',' or 'end of string'")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x a", "unable to parse requirement: found 'a', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("x in a", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData("x in (a", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'")]
    [InlineData("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier")]
    [InlineData("x in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier")]
    [InlineData("x=(", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("x<-1", "unable to parse requirement: values[0][x]: Invalid value: \"-1\": " + Validation.LabelValueMessage)]
    public void SyntaxErrorsCarryKubernetesMessages(string selector, string message) =>
        Assert.Equal(message, Assert.Throws<SelectorException>(() => LabelSelector.Parse(selector)).Message);

    [Fact]
    public void InvalidKeysAreReportedWithANilPathAsKubernetesDoes()
    {
        var e = Assert.Throws<SelectorException>(() => LabelSelector.Parse("-x=a"));
        Assert.Equal($"unable to parse requirement: <nil>: Invalid value: \"-x\": {Validation.QualifiedNameMessage}", e.Message);
        var tooLong = new string('k', 64);
        Assert.Equal($"unable to parse requirement: <nil>: Invalid value: \"{tooLong}\": name part must be no more than 63 characters",
            Assert.Throws<SelectorException>(() => LabelSelector.Parse(tooLong)).Message);
    }

    [Fact]
    public void InvalidValuesAreReportedPerValueAndAggregated()
    {
        Assert.Equal($"unable to parse requirement: values[0][x]: Invalid value: \"-a\": {Validation.LabelValueMessage}",
            Assert.Throws<SelectorException>(() => LabelSelector.Parse("x=-a")).Message);
        Assert.Equal($"unable to parse requirement: [values[0][x]: Invalid value: \"-a\": {Validation.LabelValueMessage}, values[1][x]: Invalid value: \"b-\": {Validation.LabelValueMessage}]",
            Assert.Throws<SelectorException>(() => LabelSelector.Parse("x in (b-,-a)")).Message);
    }

    [Theory]
    [InlineData("x=a", "x=a", true)]
    [InlineData("x=a", "x=b", false)]
    [InlineData("x=a", "", false)]
    [InlineData("x==a", "x=a,y=b", true)]
    [InlineData("x!=a", "", true)]
    [InlineData("x!=a", "x=b", true)]
    [InlineData("x!=a", "x=a", false)]
    [InlineData("x in (a,b)", "x=b", true)]
    [InlineData("x in (a,b)", "y=a", false)]
    [InlineData("x notin (a,b)", "", true)]
    [InlineData("x notin (a,b)", "x=c", true)]
    [InlineData("x notin (a,b)", "x=a", false)]
    [InlineData("x", "x=", true)]
    [InlineData("x", "y=a", false)]
    [InlineData("!x", "y=a", true)]
    [InlineData("!x", "x=a", false)]
    [InlineData("x=", "x=", true)]
    [InlineData("x=", "", false)]
    [InlineData("x in ()", "x=", true)]
    [InlineData("x>1", "x=2", true)]
    [InlineData("x>1", "x=1", false)]
    [InlineData("x>1", "x=a", false)]
    [InlineData("x>1", "", false)]
    [InlineData("x<1", "x=-5", true)]
    [InlineData("app=web,tier in (fe,be),!canary", "app=web,tier=be", true)]
    [InlineData("app=web,tier in (fe,be),!canary", "app=web,tier=be,canary=yes", false)]
    public void Matches(string selector, string labels, bool expected)
    {
        var set = labels.Length == 0
            ? new Dictionary<string, string>()
            : labels.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(set));
    }

    [Fact]
    public void MatchesObjectsByMetadataLabels()
    {
        var pod = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"name":"p","labels":{"app":"web","n":5}}}""")!.AsObject();
        Assert.True(LabelSelector.Parse("app=web").Matches(pod));
        Assert.False(LabelSelector.Parse("n").Matches(pod));
        Assert.True(LabelSelector.Empty.Matches(pod));
        Assert.False(LabelSelector.Nothing.Matches(pod));
        Assert.False(LabelSelector.Parse("app").Matches(System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"name":"q"}}""")!.AsObject()));
    }

    [Theory]
    [InlineData("app=web,tier=fe", "app", "web")]
    [InlineData("app in (web)", "app", "web")]
    [InlineData("app in (web,api)", "app", null)]
    [InlineData("app!=web", "app", null)]
    [InlineData("tier=fe", "app", null)]
    public void RequiresExactMatch(string selector, string label, string? value) =>
        Assert.Equal(value, LabelSelector.Parse(selector).RequiresExactMatch(label));
}
