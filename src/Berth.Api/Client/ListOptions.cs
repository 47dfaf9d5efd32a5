namespace Berth.Api.Client;

/// <summary>Query options of list and watch (<c>metav1.ListOptions</c>).</summary>
public sealed record ListOptions
{
    public static ListOptions None { get; } = new();

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>For list: "" = latest, "0" = any, N = not older than N (Exact with <see cref="ResourceVersionMatch"/>). For watch: changes after N.</summary>
    public string? ResourceVersion { get; init; }

    public string? ResourceVersionMatch { get; init; }

    public bool AllowWatchBookmarks { get; init; }

    public int? TimeoutSeconds { get; init; }

    public bool? SendInitialEvents { get; init; }

    public long? Limit { get; init; }

    public string? Continue { get; init; }
}
