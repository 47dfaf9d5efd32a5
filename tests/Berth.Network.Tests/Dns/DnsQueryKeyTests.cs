using Berth.Network.Dns;
using Xunit;

namespace Berth.Network.Tests.Dns;

[Trait("Tier", "Unit")]
public sealed class DnsQueryKeyTests
{
    internal static byte[] Query(ushort id, string name, ushort type = 1, bool edns = false, byte flags = 0x01)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, flags, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        if (edns)
        {
            bytes.AddRange([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]); // OPT, UDP size 1232
        }

        return [.. bytes];
    }

    private static (int Length, byte[] Key, int QuestionEnd) Key(byte[] query)
    {
        var key = new byte[DnsQueryKey.MaxQueryLength];
        var n = DnsQueryKey.TryWrite(query, key, out var end);
        return (n, key[..n], end);
    }

    [Fact]
    public void TheKeyIgnoresTheIdAndTheNamesLetterCase()
    {
        var a = Key(Query(1, "Web.Shop.svc.cluster.local"));
        var b = Key(Query(2, "web.shop.SVC.cluster.local"));
        Assert.True(a.Length > 0);
        Assert.Equal(a.Key, b.Key);
        Assert.Equal(12 + 28 + 4, a.QuestionEnd);
    }

    [Fact]
    public void TypeFlagsAndEdnsAreInTheKey()
    {
        var plain = Key(Query(1, "web.shop.svc.cluster.local")).Key;
        Assert.NotEqual(plain, Key(Query(1, "web.shop.svc.cluster.local", type: 28)).Key);
        Assert.NotEqual(plain, Key(Query(1, "web.shop.svc.cluster.local", flags: 0x00)).Key);
        Assert.NotEqual(plain, Key(Query(1, "web.shop.svc.cluster.local", edns: true)).Key);
    }

    [Fact]
    public void OnlyPlainQueriesHaveAKey()
    {
        Assert.Equal(0, Key(Query(1, "a.b", flags: 0x81)).Length); // a response
        Assert.Equal(0, Key(Query(1, "a.b", flags: 0x29)).Length); // opcode UPDATE
        Assert.Equal(0, Key(Query(1, "a.b", flags: 0x03)).Length); // truncated
        var twoQuestions = Query(1, "a.b");
        twoQuestions[5] = 2;
        Assert.Equal(0, Key(twoQuestions).Length);
        var pointer = Query(1, "a.b");
        pointer[12] = 0xc0;
        Assert.Equal(0, Key(pointer).Length);
        Assert.Equal(0, Key(Query(1, "a.b")[..15]).Length); // cut short
    }
}
