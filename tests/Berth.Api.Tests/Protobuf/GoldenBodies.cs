namespace Berth.Api.Tests.Protobuf;

/// <summary>The request bodies kubectl sent, captured by Protobuf/Golden/capture.py (see docs/protobuf.md).</summary>
internal static class GoldenBodies
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Protobuf", "Golden");

    public static byte[] Body(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".pb"));

    public static string? Expected(string name)
    {
        var path = Path.Combine(Directory, name + ".json");
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.pb").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;
}
