using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>Compiles label and field selectors into an <see cref="IObjectFilter"/> (400 BadRequest when invalid).</summary>
public sealed class ObjectFilterFactory
{
    public IObjectFilter Create(ResourceType type, string? labelSelector, string? fieldSelector)
    {
        if (string.IsNullOrEmpty(labelSelector) && string.IsNullOrEmpty(fieldSelector))
        {
            return Everything.Instance;
        }

        throw ApiException.BadRequest($"selectors on {type.QualifiedResource} are not implemented yet");
    }

    private sealed class Everything : IObjectFilter
    {
        public static readonly Everything Instance = new();

        public bool IsEverything => true;

        public bool Matches(JsonObject obj) => true;
    }
}
