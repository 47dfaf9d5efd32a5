using System.Text.Json;
using Berth.Api.Resources;
using Berth.Api.Selectors;

namespace Berth.Server.Core;

/// <summary>Compiles a request's label and field selectors against the kind (400 BadRequest when invalid or unsupported).</summary>
public sealed class ObjectFilterFactory
{
    public IObjectFilter Create(ResourceType type, string? labelSelector, string? fieldSelector)
    {
        if (string.IsNullOrEmpty(labelSelector) && string.IsNullOrEmpty(fieldSelector))
        {
            return Everything.Instance;
        }

        try
        {
            return new SelectorFilter(ObjectSelector.Parse(labelSelector, fieldSelector, type.Strategy));
        }
        catch (SelectorException e)
        {
            throw e.ToApiException();
        }
    }

    private sealed class Everything : IObjectFilter
    {
        public static readonly Everything Instance = new();

        public bool IsEverything => true;

        public bool Matches(FieldSource obj) => true;

        public bool MatchesStored(ReadOnlyMemory<byte> stored) => true;
    }

    private sealed class SelectorFilter(ObjectSelector selector) : IObjectFilter
    {
        public bool IsEverything => selector.IsEverything;

        public bool Matches(FieldSource obj) => selector.Matches(obj);

        public bool MatchesStored(ReadOnlyMemory<byte> stored)
        {
            // Over the stored bytes themselves (no copy); the parse's own bookkeeping goes back to its pool on dispose.
            using var document = JsonDocument.Parse(stored);
            return selector.Matches(document.RootElement);
        }
    }
}
