using Berth.Api.Protobuf;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

/// <summary>
/// Malformed input never escapes as anything but <see cref="ProtobufFormatException"/>: random bytes, every
/// truncation of the real kubectl bodies, and random byte flips in them. Seeded, so a failure reproduces.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class ProtobufFuzzTests
{
    private static void DecodeOrFormatError(byte[] body)
    {
        try
        {
            KubernetesProtobuf.Decode(body);
        }
        catch (ProtobufFormatException)
        {
        }
    }

    [Fact]
    public void RandomBytesAfterTheMagic()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[4 + random.Next(0, 200)];
            random.NextBytes(body);
            KubernetesProtobuf.Magic.CopyTo(body);
            DecodeOrFormatError(body);
        }
    }

    [Fact]
    public void RandomMessagesInsideAValidEnvelope()
    {
        var random = new Random(5678);
        string[][] kinds = [["v1", "Pod"], ["apps/v1", "Deployment"], ["batch/v1", "CronJob"], ["v1", "Service"], ["coordination.k8s.io/v1", "Lease"]];
        for (var i = 0; i < 20_000; i++)
        {
            var raw = new byte[random.Next(0, 300)];
            random.NextBytes(raw);
            var kind = kinds[i % kinds.Length];
            DecodeOrFormatError(ProtoWriter.Envelope(kind[0], kind[1], w => w.Raw(raw)));
        }
    }

    [Fact]
    public void EveryTruncationOfEveryGoldenBody()
    {
        foreach (var name in GoldenBodies.Names())
        {
            var body = GoldenBodies.Body(name);
            for (var length = 0; length < body.Length; length++)
            {
                DecodeOrFormatError(body[..length]);
            }
        }
    }

    [Fact]
    public void RandomByteFlipsInGoldenBodies()
    {
        var random = new Random(91011);
        var bodies = GoldenBodies.Names().Select(GoldenBodies.Body).ToList();
        for (var i = 0; i < 20_000; i++)
        {
            var body = (byte[])bodies[i % bodies.Count].Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                body[random.Next(4, body.Length)] = (byte)random.Next(256);
            }

            DecodeOrFormatError(body);
        }
    }
}
