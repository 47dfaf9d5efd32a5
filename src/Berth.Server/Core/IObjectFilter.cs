using System.Text.Json.Nodes;

namespace Berth.Server.Core;

/// <summary>A list/watch request's label and field selectors, compiled once per request.</summary>
public interface IObjectFilter
{
    /// <summary>True when the filter selects everything (lists can then skip parsing objects).</summary>
    bool IsEverything { get; }

    bool Matches(JsonObject obj);
}
