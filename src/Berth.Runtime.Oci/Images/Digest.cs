using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// Content digests as the OCI image spec writes them (<c>algorithm:hex</c>). Only sha256 is
/// produced and accepted; that is what every registry and the OCI spec's registered algorithms
/// use in practice (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests).
/// </summary>
public static partial class Digest
{
    public const string Sha256Prefix = "sha256:";

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256Regex();

    public static bool IsValid(string? digest) => digest is not null && Sha256Regex().IsMatch(digest);

    /// <summary>Throws a <see cref="FormatException"/> naming the bad value unless it is a sha256 digest.</summary>
    public static string Validate(string? digest)
    {
        if (!IsValid(digest))
        {
            throw new FormatException($"invalid digest \"{digest}\": expected sha256: followed by 64 lower-case hex characters");
        }
        return digest!;
    }

    /// <summary>The hex part of a validated digest: the file name of its blob.</summary>
    public static string Hex(string digest) => Validate(digest)[Sha256Prefix.Length..];

    public static string Of(ReadOnlySpan<byte> content) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(content));

    public static string FromHash(IncrementalHash hash) => Sha256Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());

    /// <summary>The first 12 hex characters, as Docker shows image IDs.</summary>
    public static string Short(string digest) => digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) ? digest[Sha256Prefix.Length..Math.Min(digest.Length, Sha256Prefix.Length + 12)] : digest;
}
