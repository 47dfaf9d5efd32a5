using Berth.Agent.Pods;
using Xunit;

namespace Berth.Agent.Tests.Pods;

[Trait("Tier", "Unit")]
public sealed class ExpansionTests
{
    [Theory]
    [InlineData("$(A)", "a")]
    [InlineData("x-$(A)-$(B)", "x-a-b")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$", "$")]
    [InlineData("$A", "$A")]
    [InlineData("$(A", "$(A")]
    [InlineData("cost $5", "cost $5")]
    [InlineData("$()", "$()")]
    public void ExpandsLikeTheKubelet(string input, string expected)
    {
        var vars = new Dictionary<string, string> { ["A"] = "a", ["B"] = "b" };
        Assert.Equal(expected, Expansion.Expand(input, n => vars.GetValueOrDefault(n)));
    }
}
