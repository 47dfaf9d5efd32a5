using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Selectors;
using Xunit;

namespace Berth.Api.Tests.Selectors;

[Trait("Tier", "Unit")]
public sealed class FieldSelectorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(",")]
    public void EmptySelectorsMatchEverything(string? selector)
    {
        var s = FieldSelector.Parse(selector);
        Assert.True(s.IsEmpty);
        Assert.True(s.Matches(_ => "anything"));
    }

    [Fact]
    public void ParsesTermsInSortedOrder()
    {
        var s = FieldSelector.Parse("spec.nodeName!=,metadata.name==web,status.phase=Running");
        Assert.Equal(
        [
            new FieldRequirement("metadata.name", SelectorOperator.DoubleEquals, "web"),
            new FieldRequirement("spec.nodeName", SelectorOperator.NotEquals, ""),
            new FieldRequirement("status.phase", SelectorOperator.Equals, "Running"),
        ], s.Requirements);
        Assert.Equal("metadata.name=web,spec.nodeName!=,status.phase=Running", s.ToString());
    }

    [Theory]
    [InlineData(@"metadata.name=a\,b", "a,b")]
    [InlineData(@"metadata.name=a\=b", "a=b")]
    [InlineData(@"metadata.name=a\\b", @"a\b")]
    [InlineData(@"metadata.name=a\\", @"a\")]
    [InlineData("metadata.name=", "")]
    public void ValuesAreUnescaped(string selector, string value)
    {
        var r = Assert.Single(FieldSelector.Parse(selector).Requirements);
        Assert.Equal(value, r.Value);
        Assert.Equal(selector, FieldSelector.Parse(r.ToString()).Requirements[0].ToString());
    }

    [Fact]
    public void EscapeRoundTrips()
    {
        const string raw = @"a,b=c\d";
        Assert.Equal(@"a\,b\=c\\d", FieldSelector.EscapeValue(raw));
        Assert.Equal(raw, FieldSelector.UnescapeValue(FieldSelector.EscapeValue(raw)));
        Assert.Equal(raw, FieldSelector.Parse("metadata.name=" + FieldSelector.EscapeValue(raw)).Requirements[0].Value);
    }

    [Theory]
    [InlineData("foo", "invalid selector: 'foo'; can't understand 'foo'")]
    [InlineData("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'")]
    [InlineData("a=b=c", "invalid field selector: unescaped character in value: 61")]
    [InlineData("metadata.name=x!=y", "invalid field selector: unescaped character in value: 61")]
    [InlineData(@"a=b\x", @"invalid field selector: invalid escape sequence: \x")]
    [InlineData(@"a=b\", @"invalid field selector: invalid escape sequence: \")]
    public void InvalidSelectors(string selector, string message) =>
        Assert.Equal(message, Assert.Throws<SelectorException>(() => FieldSelector.Parse(selector)).Message);

    [Theory]
    [InlineData("status.phase=Running", "Running", true)]
    [InlineData("status.phase=Running", "Pending", false)]
    [InlineData("status.phase!=Running", "Pending", true)]
    [InlineData("status.phase!=Running", null, true)]
    [InlineData("status.phase=", null, true)]
    [InlineData("status.phase!=", null, false)]
    public void MatchesWithAFieldGetter(string selector, string? actual, bool expected) =>
        Assert.Equal(expected, FieldSelector.Parse(selector).Matches(_ => actual));

    [Fact]
    public void KubectlDescribeEventsSelector()
    {
        var s = FieldSelector.Parse("involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=6f1d");
        var fields = new Dictionary<string, string?> { ["involvedObject.name"] = "web-1", ["involvedObject.namespace"] = "default", ["involvedObject.uid"] = "6f1d" };
        Assert.True(s.Matches(f => fields[f]));
        fields["involvedObject.uid"] = "other";
        Assert.False(s.Matches(f => fields[f]));
    }

    [Fact]
    public void EvaluatesThroughTheKindsStrategy()
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"web","namespace":"default"}}""")!.AsObject();
        var strategy = ResourceStrategy.Default;
        Assert.True(FieldSelector.Parse("metadata.name=web,metadata.namespace=default").Matches(pod, strategy));
        Assert.False(FieldSelector.Parse("metadata.name=api").Matches(pod, strategy));
        Assert.Null(FieldSelector.Parse("metadata.name=web").FirstUnsupportedField(strategy));

        var unsupported = FieldSelector.Parse("metadata.name=web,spec.nodeName=n1");
        Assert.Equal("spec.nodeName", unsupported.FirstUnsupportedField(strategy));
        Assert.Equal("field label not supported: spec.nodeName",
            Assert.Throws<SelectorException>(() => unsupported.Matches(pod, strategy)).Message);
        Assert.Equal("\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
            FieldSelector.UnsupportedFieldMessage("spec.foo", kindHasOwnFields: false));
    }

    [Theory]
    [InlineData("metadata.name=web", "metadata.name", "web")]
    [InlineData("metadata.name==web,metadata.namespace=x", "metadata.name", "web")]
    [InlineData("metadata.name!=web", "metadata.name", null)]
    [InlineData("metadata.namespace=x", "metadata.name", null)]
    public void RequiresExactMatch(string selector, string field, string? value) =>
        Assert.Equal(value, FieldSelector.Parse(selector).RequiresExactMatch(field));
}
