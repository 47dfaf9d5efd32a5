using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Client;

/// <summary>One event of a watch: <c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c> or <c>BOOKMARK</c>, and the object.</summary>
public sealed record ApiWatchEvent(string Type, JsonObject Object)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";

    /// <summary>
    /// The same object as parsed, when the client has it in that form (in-process watches: one parse shared by every
    /// watch of the event). Read-only and cheap to read: a cache that keeps a few fields reads them here, where reading
    /// <see cref="Object"/> builds that watch's own tree as it goes.
    /// </summary>
    public JsonElement? Parsed { get; init; }
}
