namespace Berth.Api.Resources;

/// <summary>
/// One kind of object the API serves: where it lives (group, version, plural), how discovery
/// describes it, and the <see cref="IResourceStrategy"/> that defaults, validates and prints it.
/// Immutable; built once by <see cref="ResourceRegistry"/>.
/// </summary>
public sealed class ResourceType
{
    /// <summary>The verbs every stored resource supports.</summary>
    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>API group; "" for the core (legacy) group served under /api.</summary>
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    /// <summary>The lower-case plural used in URLs (<c>deployments</c>).</summary>
    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Discovery categories, e.g. <c>all</c> for what <c>kubectl get all</c> shows.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<string> Verbs { get; init; } = AllVerbs;

    /// <summary>Subresources served under <c>{plural}/{name}/{subresource}</c>.</summary>
    public IReadOnlyList<Subresource> Subresources { get; init; } = [];

    /// <summary>True for kinds computed on request (metrics) and never written to the store.</summary>
    public bool Virtual { get; init; }

    public IResourceStrategy Strategy { get; init; } = ResourceStrategy.Default;

    /// <summary><c>v1</c> or <c>apps/v1</c>: the <c>apiVersion</c> field of objects of this type.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The group-qualified resource name used in error messages: <c>deployments.apps</c>, <c>pods</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The group-qualified kind used in validation messages: <c>Deployment.apps</c>, <c>Pod</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public bool HasSubresource(string name) => Subresources.Any(s => s.Name == name);

    public override string ToString() => $"{ApiVersion}/{Plural}";
}
