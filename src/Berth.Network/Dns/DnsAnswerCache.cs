using System.Collections.Concurrent;

namespace Berth.Network.Dns;

/// <summary>
/// Encoded answers of one zone snapshot, keyed by <see cref="DnsQueryKey"/>. Only authoritative answers (AA set: what
/// the zone answered, never forwarded ones, which carry upstream TTLs) are kept. A cache belongs to one snapshot: an
/// <see cref="ClusterDnsServer.Update"/> starts an empty one, which is the invalidation. Bounded: once
/// <see cref="Capacity"/> answers are in, new ones are not added (names such as <c>A-B-C-D.NS.pod</c> are unbounded).
/// Lock-free reads from many receive loops; lookups by span allocate nothing.
/// </summary>
internal sealed class DnsAnswerCache(int capacity)
{
    private readonly ConcurrentDictionary<byte[], byte[]> _answers = new(ByteArrayComparer.Instance);
    private int _count;

    public int Capacity { get; } = capacity;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(ReadOnlySpan<byte> key, out byte[] answer) =>
        _answers.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out answer!);

    public void TryAdd(byte[] key, byte[] answer)
    {
        if (Volatile.Read(ref _count) >= Capacity)
        {
            return;
        }

        if (_answers.TryAdd(key, answer))
        {
            Interlocked.Increment(ref _count);
        }
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var h = new HashCode();
            h.AddBytes(alternate);
            return h.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
