using System.Text.Json.Nodes;

namespace Berth.Api.Client;

/// <summary>One event of a watch: <c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c> or <c>BOOKMARK</c>, and the object.</summary>
public sealed record ApiWatchEvent(string Type, JsonObject Object)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
}
