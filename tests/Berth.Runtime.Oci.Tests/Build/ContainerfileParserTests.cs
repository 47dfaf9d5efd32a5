using Berth.Runtime.Oci.Build;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Build;

[Trait("Tier", "Unit")]
public sealed class ContainerfileParserTests
{
    [Fact]
    public void ParsesContinuationsCommentsFlagsAndForms()
    {
        var text = """
            # syntax comment
            ARG BASE=scratch
            from ${BASE}
            COPY --chown=1000:1000 --chmod=0755 a b \
                 /dst/
            RUN echo one \
            # a comment inside a continuation
                && echo two
            CMD ["sh", "-c", "echo hi"]
            ENTRYPOINT /bin/ep --flag
            """;
        var ins = ContainerfileParser.Parse(text);
        Assert.Equal(["ARG", "FROM", "COPY", "RUN", "CMD", "ENTRYPOINT"], ins.Select(i => i.Keyword));
        Assert.Equal("1000:1000", ins[2].Flags["chown"]);
        Assert.Equal("0755", ins[2].Flags["chmod"]);
        Assert.Equal(["a", "b", "/dst/"], ContainerfileParser.SplitWords(ins[2].Arguments));
        Assert.Equal(6, ins[3].Line);
        Assert.Contains("echo one", ins[3].Arguments);
        Assert.Contains("&& echo two", ins[3].Arguments);
        Assert.Null(ins[3].ExecForm);
        Assert.Equal(["sh", "-c", "echo hi"], ins[4].ExecForm!);
        Assert.Null(ins[5].ExecForm);
    }

    [Fact]
    public void InvalidJsonFallsBackToShellForm()
    {
        var ins = ContainerfileParser.Parse("FROM scratch\nCMD [not json]");
        Assert.Null(ins[1].ExecForm);
        Assert.Equal("[not json]", ins[1].Arguments);
    }

    [Theory]
    [InlineData("RUN x", "first instruction must be FROM")]
    [InlineData("FROM scratch\nHEALTHCHECK CMD true", "HEALTHCHECK is not supported")]
    [InlineData("FROM scratch\nCOPY", "COPY needs arguments")]
    public void ErrorsNameTheProblem(string text, string expected)
    {
        var e = Assert.Throws<BuildException>(() => ContainerfileParser.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void PairsAcceptQuotesAndTheLegacyEnvForm()
    {
        Assert.Equal([new("A", "1"), new("B", "two words")], ContainerfileParser.ParsePairs("A=1 B=\"two words\"", allowLegacy: true));
        Assert.Equal([new("NAME", "some value here")], ContainerfileParser.ParsePairs("NAME some value here", allowLegacy: true));
        Assert.Throws<BuildException>(() => ContainerfileParser.ParsePairs("A=1 B", allowLegacy: false));
    }

    [Theory]
    [InlineData("$A/x", "1/x")]
    [InlineData("${A}x", "1x")]
    [InlineData("${MISSING:-def}", "def")]
    [InlineData("${A:-def}", "1")]
    [InlineData("${A:+alt}", "alt")]
    [InlineData("${MISSING:+alt}", "")]
    [InlineData("\\$A", "$A")]
    [InlineData("'$A'", "'$A'")]
    [InlineData("$MISSING.", ".")]
    [InlineData("cost $", "cost $")]
    public void ExpandsVariablesLikeDocker(string text, string expected)
    {
        Assert.Equal(expected, VariableExpander.Expand(text, new Dictionary<string, string> { ["A"] = "1" }));
    }
}
