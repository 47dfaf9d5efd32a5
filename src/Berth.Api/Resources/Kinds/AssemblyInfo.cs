using System.Runtime.CompilerServices;

// The kind helpers (GoValue, LabelSelectors, PodPrinter...) are internal; their unit tests reach them directly.
[assembly: InternalsVisibleTo("Berth.Api.Tests")]
