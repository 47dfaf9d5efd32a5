using System.Text.Json.Nodes;

namespace Berth.Api.Client;

/// <summary>The items of a list and the resource version it reflects (for a following watch).</summary>
public sealed record ObjectList(IReadOnlyList<JsonObject> Items, string ResourceVersion);
