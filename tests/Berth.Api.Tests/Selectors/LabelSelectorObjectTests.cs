using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Selectors;
using Xunit;

namespace Berth.Api.Tests.Selectors;

[Trait("Tier", "Unit")]
public sealed class LabelSelectorObjectTests
{
    private static LabelSelector From(string json) => LabelSelector.FromObject(JsonNode.Parse(json));

    [Fact]
    public void NullSelectsNothingAndEmptySelectsEverything()
    {
        Assert.True(LabelSelector.FromObject(null).IsNothing);
        Assert.False(LabelSelector.FromObject(null).Matches(new Dictionary<string, string>()));
        Assert.True(From("{}").IsEmpty);
        Assert.True(From("""{"matchLabels":{},"matchExpressions":[]}""").IsEmpty);
    }

    [Fact]
    public void MatchLabelsAndExpressionsCombine()
    {
        var s = From("""
            {"matchLabels":{"app":"web"},
             "matchExpressions":[{"key":"tier","operator":"In","values":["fe","be"]},{"key":"canary","operator":"DoesNotExist"},
                                 {"key":"zone","operator":"NotIn","values":["z1"]},{"key":"env","operator":"Exists"}]}
            """);
        Assert.Equal("app=web,!canary,env,tier in (be,fe),zone notin (z1)", s.ToString());
        Assert.True(s.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe", ["env"] = "prod" }));
        Assert.False(s.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe", ["env"] = "prod", ["zone"] = "z1" }));
        Assert.False(s.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe" }));
    }

    [Fact]
    public void DeploymentSelectorMatchesItsTemplate()
    {
        var deployment = JsonNode.Parse("""
            {"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web","pod-template-hash":"5d8"}}}}}
            """)!;
        var selector = LabelSelector.FromObject(deployment["spec"]!["selector"]);
        Assert.True(selector.Matches(deployment["spec"]!["template"]!.AsObject()));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Foo","values":["x"]}]}""", "\"Foo\" is not a valid label selector operator")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In"}]}""", "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"NotIn","values":[]}]}""", "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x","y"]}]}""", "values: Invalid value: [\"x\",\"y\"]: values set must be empty for exists and does not exist")]
    [InlineData("""{"matchLabels":{"a b":"x"}}""", "key: Invalid value: \"a b\": " + Validation.QualifiedNameMessage)]
    [InlineData("""{"matchLabels":{"app":"-web"}}""", "values[0][app]: Invalid value: \"-web\": " + Validation.LabelValueMessage)]
    [InlineData("""{"matchLabels":{"app":5}}""", "matchLabels[app]: label values must be strings")]
    [InlineData("""{"matchExpressions":{}}""", "matchExpressions: must be a list")]
    public void InvalidSelectorsFailWithKubernetesMessages(string json, string message) =>
        Assert.Equal(message, Assert.Throws<SelectorException>(() => From(json)).Message);

    [Fact]
    public void FromSetRequiresEveryLabel()
    {
        var s = LabelSelector.FromSet(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        Assert.Equal("a=1,b=2", s.ToString());
        Assert.True(s.Matches(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" }));
        Assert.False(s.Matches(new Dictionary<string, string> { ["a"] = "1" }));
        Assert.True(LabelSelector.FromSet(new Dictionary<string, string>()).IsEmpty);
    }

    [Fact]
    public void ValidateReportsFieldPathsAsKubernetesValidation()
    {
        var causes = LabelSelector.Validate(JsonNode.Parse("""
            {"matchLabels":{"-bad":"ok"},
             "matchExpressions":[{"key":"a","operator":"In"},{"key":"b","operator":"Exists","values":["x"]},
                                 {"key":"c","operator":"Maybe"},{"key":"d/e/f","operator":"In","values":["ok","-no"]}]}
            """), "spec.selector");
        Assert.Equal(
        [
            $"spec.selector.matchLabels: Invalid value: \"-bad\": {Validation.QualifiedNameMessage}",
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Maybe\": not a valid selector operator",
            "spec.selector.matchExpressions[3].key: Invalid value: \"d/e/f\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            $"spec.selector.matchExpressions[3].values[1]: Invalid value: \"-no\": {Validation.LabelValueMessage}",
        ], causes.Select(c => c.ToString()));
        Assert.Empty(LabelSelector.Validate(null, "spec.selector"));
        Assert.Empty(LabelSelector.Validate(JsonNode.Parse("""{"matchLabels":{"app":"web"}}"""), "spec.selector"));
    }
}
