using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Core;

/// <summary>A list/watch request's label and field selectors, compiled once per request.</summary>
public interface IObjectFilter
{
    /// <summary>True when the filter selects everything (lists can then skip parsing objects).</summary>
    bool IsEverything { get; }

    bool Matches(JsonObject obj);

    /// <summary>Whether a parsed object matches, read in place (no tree is built).</summary>
    bool Matches(JsonElement obj);

    /// <summary>Whether a stored object matches: its text is read in place, and what does not match is never built into a tree.</summary>
    bool MatchesStored(ReadOnlyMemory<byte> stored);
}
