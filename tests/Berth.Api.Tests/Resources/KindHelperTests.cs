using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class KindHelperTests
{
    [Theory]
    [InlineData("""{"matchLabels":{"b":"2","a":"1"}}""", "a=1,b=2")]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod","dev"]},{"key":"canary","operator":"DoesNotExist"},{"key":"app","operator":"Exists"}]}""", "app,!canary,env notin (dev,prod)")]
    [InlineData("{}", "")]
    [InlineData("null", "")]
    public void Selectors_print_like_labels_Selector_String(string selector, string expected)
    {
        Assert.Equal(expected, LabelSelectors.Format(JsonNode.Parse(selector)));
        Assert.Equal(expected.Length == 0 ? "<none>" : expected, LabelSelectors.FormatOrNone(JsonNode.Parse(selector)));
    }

    [Theory]
    [InlineData("""{"matchLabels":{"app":"web"}}""", """{"app":"web","tier":"a"}""", true)]
    [InlineData("""{"matchLabels":{"app":"web"}}""", """{"app":"api"}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", """{"tier":"b"}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", "{}", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", "{}", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", """{"tier":"x"}""", false)]
    [InlineData("{}", """{"any":"thing"}""", true)]
    [InlineData("null", """{"any":"thing"}""", false)]
    public void Selectors_match_like_LabelSelectorAsSelector(string selector, string labels, bool matches) =>
        Assert.Equal(matches, LabelSelectors.Matches(JsonNode.Parse(selector), JsonNode.Parse(labels)));

    [Fact]
    public void Go_values_render_as_fmt_does()
    {
        Assert.Equal("map[string]string{\"a\":\"1\", \"b\":\"q\\\"\"}", GoValue.StringMap(JsonNode.Parse("""{"b":"q\"","a":"1"}""")).ToString());
        Assert.Equal("map[string]string(nil)", GoValue.StringMap(null).ToString());
        Assert.Equal("[]string{\"x\", \"y\"}", GoValue.StringSlice(["x", "y"]).ToString());
        Assert.Equal(
            "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"k\", Operator:\"In\", Values:[]string{\"v\"}}}}",
            GoValue.LabelSelector(JsonNode.Parse("""{"matchExpressions":[{"key":"k","operator":"In","values":["v"]}]}""")).ToString());
        Assert.Equal("null", GoValue.LabelSelector(null).ToString());
        Assert.Equal("spec.x: Invalid value: map[string]string{\"a\":\"1\"}: bad", StatusCause.Invalid("spec.x", GoValue.StringMap(JsonNode.Parse("""{"a":"1"}""")), "bad").ToString());
    }

    [Theory]
    [InlineData("100m", 0.1)]
    [InlineData("1", 1)]
    [InlineData("1Ki", 1024)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("2G", 2000000000)]
    [InlineData("1e3", 1000)]
    [InlineData("1.5", 1.5)]
    [InlineData("-1", -1)]
    public void Quantities_parse(string text, double value) => Assert.Equal((decimal)value, Quantity.Parse(text));

    [Theory]
    [InlineData("1 Gi")]
    [InlineData("Gi")]
    [InlineData("1Qi")]
    [InlineData("")]
    public void Bad_quantities_do_not_parse(string text) => Assert.Null(Quantity.Parse(text));

    [Theory]
    [InlineData("web", true)]
    [InlineData("web-1", true)]
    [InlineData("1web", false)]
    [InlineData("web.svc", false)]
    [InlineData("Web", false)]
    public void Dns1035_labels(string name, bool valid) => Assert.Equal(valid, !Validation.IsDns1035Label(name).Any());

    [Fact]
    public void Metadata_identity_is_immutable_on_every_kind()
    {
        var old = Pipeline.Valid("ConfigMap", """{"metadata":{"name":"a","uid":"u1"}}""");
        var causes = Pipeline.Update("ConfigMap", old, Pipeline.Edit(old, c => { c["metadata"]!["namespace"] = "other"; c["metadata"]!["uid"] = "u2"; }));
        Pipeline.HasCause(causes, "metadata.namespace", "FieldValueInvalid", "Invalid value: \"other\": field is immutable");
        Pipeline.HasCause(causes, "metadata.uid", "FieldValueInvalid", "Invalid value: \"u2\": field is immutable");

        var deleting = Pipeline.Edit(old, c => { c["metadata"]!["deletionTimestamp"] = "2026-11-30T11:59:00Z"; c["metadata"]!["finalizers"] = new JsonArray("a.io/x"); });
        var more = Pipeline.Edit(deleting, c => c["metadata"]!["finalizers"]!.AsArray().Add("b.io/y"));
        Pipeline.HasCause(Pipeline.Update("ConfigMap", deleting, more), "metadata.finalizers", "FieldValueForbidden",
            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"b.io/y\"}");
    }
}
