namespace Berth.Runtime.Oci.Runtime;

/// <summary>A numeric user: uid, primary gid and supplementary groups (OCI <c>process.user</c>).</summary>
public sealed record ProcessUser(uint Uid, uint Gid, IReadOnlyList<uint>? AdditionalGids = null)
{
    public static ProcessUser Root { get; } = new(0, 0);

    public override string ToString() => $"{Uid}:{Gid}";
}
