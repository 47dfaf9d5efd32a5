using System.Text;
using Xunit;

namespace Berth.Store.Tests;

[Trait("Tier", "Unit")]
public sealed class KeyPrefixTests
{
    [Theory]
    [InlineData("/registry/pods/", "/registry/pods0")]
    [InlineData("/a/b", "/a/c")]
    [InlineData("a", "b")]
    [InlineData("/x\uD7FF", "/x\uE000")]
    public void TheRangeEndIsThePrefixWithItsLastCharacterIncremented(string prefix, string end)
    {
        Assert.Equal(end, KeyPrefix.RangeEnd(prefix));
        Assert.True(string.CompareOrdinal(prefix + "\uFFEF\uFFEF", end) < 0);
    }

    [Fact]
    public void TheEmptyPrefixHasNoEnd() => Assert.Null(KeyPrefix.RangeEnd(string.Empty));

    [Fact]
    public void PrefixesThatCannotBeBoundedAreRefused()
    {
        // Built in code: a lone surrogate does not survive test-case serialization.
        Assert.Throws<ArgumentException>(() => KeyPrefix.RangeEnd("/a" + char.MaxValue));
        Assert.Throws<ArgumentException>(() => KeyPrefix.RangeEnd("/a" + (char)0xD83D));
    }

    [Theory]
    [InlineData(new byte[] { 0x2F, 0x61 }, new byte[] { 0x2F, 0x62 })]
    [InlineData(new byte[] { 0x61, 0xFF }, new byte[] { 0x62 })]
    [InlineData(new byte[] { 0xFF, 0xFF }, new byte[] { 0 })]
    [InlineData(new byte[0], new byte[] { 0 })]
    public void TheEtcdRangeEndFollowsClientv3(byte[] prefix, byte[] end) => Assert.Equal(end, KeyPrefix.RangeEnd(prefix.AsSpan()));

    [Fact]
    public void Utf8ByteOrderAgreesWithOrdinalOrderForKeysUnderAPrefix()
    {
        var keys = new[] { "/p/a", "/p/z", "/p/é", "/p/名", "/p/\uE000", "/p/\uD7FF" };
        var ordinal = keys.Order(StringComparer.Ordinal).ToList();
        var bytewise = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToList();
        Assert.Equal(ordinal, bytewise);
    }
}
