using System.Text.RegularExpressions;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// A parsed, normalised image reference, following Docker's rules
/// (github.com/distribution/reference <c>ParseNormalizedNamed</c>):
/// <list type="bullet">
/// <item>the first path component is a registry when it contains <c>.</c> or <c>:</c> or is
/// <c>localhost</c>; otherwise the registry is <c>docker.io</c>;</item>
/// <item>a one-component name on docker.io gets the <c>library/</c> prefix;</item>
/// <item>without a tag or digest the tag is <c>latest</c>; <c>name:tag@digest</c> keeps both and the
/// digest wins when resolving.</item>
/// </list>
/// <c>busybox</c> → <c>docker.io/library/busybox:latest</c>; <c>localhost/x</c> →
/// <c>localhost/x:latest</c>; <c>registry:5000/x:1</c> stays as it is.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainRegex();

    /// <summary><c>registry/repository</c> without tag or digest: the name Docker shows as REPOSITORY.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The full normalised form: <c>registry/repository:tag</c>, <c>registry/repository@digest</c> or both.</summary>
    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The shortest form Docker would print (<c>busybox:latest</c>, <c>localhost/x:1</c>).</summary>
    public string Familiar
    {
        get
        {
            var name = Registry == DockerHub
                ? (Repository.StartsWith("library/", StringComparison.Ordinal) && Repository.IndexOf('/', 8) < 0 ? Repository[8..] : Repository)
                : Name;
            return name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
        }
    }

    /// <summary>The tag or digest a registry is asked for: the digest when present, else the tag.</summary>
    public string ManifestReference => Digest ?? Tag ?? "latest";

    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    public ImageReference WithDigest(string digest) => this with { Tag = null, Digest = digest };

    public static bool TryParse(string? text, out ImageReference? reference)
    {
        try
        {
            reference = Parse(text!);
            return true;
        }
        catch (FormatException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>Parses and normalises; a <see cref="FormatException"/> says what is wrong with the text.</summary>
    public static ImageReference Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("invalid reference format: empty image name");
        }
        var rest = text.Trim();
        string? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Images.Digest.IsValid(digest))
            {
                throw new FormatException($"invalid reference format \"{text}\": bad digest \"{digest}\" (expected sha256:<64 hex>)");
            }
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagRegex().IsMatch(tag))
            {
                throw new FormatException($"invalid reference format \"{text}\": bad tag \"{tag}\"");
            }
        }
        if (rest.Length == 0)
        {
            throw new FormatException($"invalid reference format \"{text}\": no repository name");
        }
        string registry;
        string path;
        var slash = rest.IndexOf('/');
        var first = slash < 0 ? rest : rest[..slash];
        if (slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost"))
        {
            registry = first;
            path = rest[(slash + 1)..];
            if (!DomainRegex().IsMatch(registry))
            {
                throw new FormatException($"invalid reference format \"{text}\": bad registry host \"{registry}\"");
            }
            registry = registry.ToLowerInvariant();
            if (registry == "index.docker.io")
            {
                registry = DockerHub;
            }
        }
        else
        {
            registry = DockerHub;
            path = rest;
        }
        if (registry == DockerHub && !path.Contains('/'))
        {
            path = "library/" + path;
        }
        foreach (var component in path.Split('/'))
        {
            if (!PathComponent().IsMatch(component))
            {
                throw new FormatException(component.Any(char.IsUpper)
                    ? $"invalid reference format \"{text}\": repository name must be lowercase"
                    : $"invalid reference format \"{text}\": bad repository path component \"{component}\"");
            }
        }
        if (path.Length > 255)
        {
            throw new FormatException($"invalid reference format \"{text}\": repository name longer than 255 characters");
        }
        if (tag is null && digest is null)
        {
            tag = "latest";
        }
        return new ImageReference(registry, path, tag, digest);
    }
}
