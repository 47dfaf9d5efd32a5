using Berth.Api.Protobuf;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

[Trait("Tier", "Unit")]
public sealed class ProtoReaderTests
{
    [Theory]
    [InlineData(new byte[] { 0x00 }, 0UL)]
    [InlineData(new byte[] { 0x96, 0x01 }, 150UL)]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, ulong.MaxValue)]
    [InlineData(new byte[] { 0x80, 0x80, 0x00 }, 0UL)] // over-long but valid, as Go accepts it
    public void ReadsVarints(byte[] data, ulong expected)
    {
        var reader = new ProtoReader(data);
        Assert.Equal(expected, reader.ReadVarint());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, "end of data")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, "overflows")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x00 }, "overflows")]
    public void RefusesBadVarints(byte[] data, string fragment)
    {
        var e = Assert.Throws<ProtobufFormatException>(() => new ProtoReader(data).ReadVarint());
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 }, "runs past the end")]
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "runs past the end")]
    [InlineData(new byte[] { 0x09, 0x01, 0x02 }, "end of data")]
    [InlineData(new byte[] { 0x0D, 0x01 }, "end of data")]
    [InlineData(new byte[] { 0x0E }, "wire type 6")]
    [InlineData(new byte[] { 0x0F }, "wire type 7")]
    [InlineData(new byte[] { 0x02 }, "field number 0")]
    [InlineData(new byte[] { 0x0B, 0x08, 0x01 }, "inside group 1")]
    [InlineData(new byte[] { 0x0B, 0x14 }, "closed by end-group 2")]
    [InlineData(new byte[] { 0x0C }, "unexpected end-group")]
    public void RefusesMalformedFields(byte[] data, string fragment)
    {
        var e = Assert.Throws<ProtobufFormatException>(() =>
        {
            var reader = new ProtoReader(data);
            while (!reader.End)
            {
                var (number, wire) = reader.ReadTag();
                reader.Skip(number, wire);
            }
        });
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SkipsNestedGroupsButNotTooDeep()
    {
        static byte[] Groups(int depth) =>
        [
            .. Enumerable.Repeat((byte)0x0B, depth), // start group 1
            .. Enumerable.Repeat((byte)0x0C, depth), // end group 1
        ];

        var ok = new ProtoReader(Groups(ProtoReader.MaxGroupDepth));
        var (n, w) = ok.ReadTag();
        ok.Skip(n, w);
        Assert.True(ok.End);

        var e = Assert.Throws<ProtobufFormatException>(() =>
        {
            var deep = new ProtoReader(Groups(ProtoReader.MaxGroupDepth + 2));
            var (number, wire) = deep.ReadTag();
            deep.Skip(number, wire);
        });
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsFixedWidthValuesLittleEndian()
    {
        var reader = new ProtoReader([0x01, 0, 0, 0, 0, 0, 0, 0x80, 0x02, 0, 0, 0]);
        Assert.Equal(0x8000000000000001UL, reader.ReadFixed64());
        Assert.Equal(2U, reader.ReadFixed32());
        Assert.True(reader.End);
    }
}
