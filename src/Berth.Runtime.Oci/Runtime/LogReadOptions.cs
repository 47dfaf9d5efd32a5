using Berth.Api.Streams;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>Kubernetes' PodLogOptions as a log reader applies them.</summary>
public sealed record LogReadOptions
{
    /// <summary>Only the last N messages (kubectl logs --tail). Null: all.</summary>
    public int? TailLines { get; init; }

    /// <summary>Only messages at or after this time (sinceTime / sinceSeconds).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Keep reading as the file grows, until the writer has finished (see <see cref="CriLogReader.ReadAsync"/>).</summary>
    public bool Follow { get; init; }

    /// <summary>Prefix every message with its RFC 3339 timestamp (9 fraction digits, UTC) and a space.</summary>
    public bool Timestamps { get; init; }

    /// <summary>Only <c>stdout</c> or <c>stderr</c>. Null: both.</summary>
    public string? Stream { get; init; }

    /// <summary>Stop after this many bytes of output (limitBytes).</summary>
    public long? LimitBytes { get; init; }

    /// <summary>
    /// The reader options for the server's <c>pods/log</c> query. <see cref="LogOptions.Previous"/> is not
    /// here: it chooses which file to read (<see cref="PodLogFiles.Previous"/>). sinceTime wins over
    /// sinceSeconds, as in the kubelet.
    /// </summary>
    public static LogReadOptions From(LogOptions options, DateTimeOffset now) => new()
    {
        Follow = options.Follow,
        Timestamps = options.Timestamps,
        TailLines = options.TailLines is { } tail ? (int)Math.Clamp(tail, 0, int.MaxValue) : null,
        Since = options.SinceTime ?? (options.SinceSeconds is { } seconds ? now - TimeSpan.FromSeconds(seconds) : null),
        LimitBytes = options.LimitBytes,
    };
}
