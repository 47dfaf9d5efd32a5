using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>A list/watch request's label and field selectors, compiled once per request.</summary>
public interface IObjectFilter
{
    /// <summary>True when the filter selects everything (lists can then skip parsing objects).</summary>
    bool IsEverything { get; }

    /// <summary>Whether an object matches: a tree, or a parsed element read in place (no tree is built).</summary>
    bool Matches(FieldSource obj);

    /// <summary>Whether a stored object matches: its text is read in place, and what does not match is never built into a tree.</summary>
    bool MatchesStored(ReadOnlyMemory<byte> stored);
}
