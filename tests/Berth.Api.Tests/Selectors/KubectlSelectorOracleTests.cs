using System.Text.Json.Nodes;
using Berth.Api.Selectors;
using Berth.Api.Tests.Patch;
using Xunit;

namespace Berth.Api.Tests.Selectors;

/// <summary>
/// Label selector strings through Berth and through <c>kubectl set selector --local</c>, which parses them with
/// apimachinery's labels parser: the same errors word for word, and the same equality requirements.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class KubectlSelectorOracleTests : IDisposable
{
    private readonly KubectlOracle _kubectl = new();
    private readonly string _service;

    public KubectlSelectorOracleTests() =>
        _service = _kubectl.Write(JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}""")!.AsObject());

    public void Dispose() => _kubectl.Dispose();

    [Theory]
    [InlineData("x in (a")]
    [InlineData("x=a,")]
    [InlineData(",x")]
    [InlineData("x a")]
    [InlineData("x=a b")]
    [InlineData("x=a=b")]
    [InlineData("!x=a")]
    [InlineData("x in a")]
    [InlineData("x in (a b)")]
    [InlineData("x in (=)")]
    [InlineData("x in (,=)")]
    [InlineData("x=(")]
    [InlineData("!")]
    [InlineData("x>a")]
    [InlineData("x<-1")]
    [InlineData("-x=a")]
    [InlineData("x/y/z=1")]
    [InlineData("x=-a")]
    [InlineData("x in (b-,-a)")]
    [InlineData("x in (a,-b),-y")]
    public void ParseErrorsMatchKubectl(string selector)
    {
        var expected = _kubectl.Run("set", "selector", "--local", "-f", _service, "-o", "json", "--", selector);
        var e = Assert.Throws<SelectorException>(() => LabelSelector.Parse(selector));
        Assert.Equal(expected, $"error: couldn't parse the selector string \"{selector}\": {e.Message}");
    }

    [Theory]
    [InlineData("x=a")]
    [InlineData(" app = web , tier==fe ")]
    [InlineData("app.kubernetes.io/name=web,x=")]
    [InlineData("in=notin")]
    public void EqualitySelectorsMatchKubectl(string selector)
    {
        var output = _kubectl.Run("set", "selector", "--local", "-f", _service, "-o", "json", "--", selector);
        var expected = JsonNode.Parse(output)!["spec"]!["selector"]!.AsObject()
            .ToDictionary(p => p.Key, p => (string?)p.Value);
        var actual = LabelSelector.Parse(selector).Requirements.ToDictionary(r => r.Key, r => (string?)r.Values.Single());
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }
}
