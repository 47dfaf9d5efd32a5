using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Api.Tests.Resources;

/// <summary>
/// Drives strategies the way the API server's lifecycle does (IResourceStrategy's doc comment):
/// create = server metadata → PrepareForCreate → ApplyDefaults → Validate;
/// update = PrepareForUpdate → ApplyDefaults → Validate + ValidateUpdate.
/// </summary>
internal static class Pipeline
{
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    public const string Created = "2026-11-30T11:00:00Z";

    public static ResourceType Type(string kind) => ResourceRegistry.Default.Types.First(t => t.Kind == kind && !t.Virtual);

    public static IResourceStrategy Strategy(string kind) => Type(kind).Strategy;

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Runs the create path on <paramref name="json"/>; fills name, namespace, uid and creationTimestamp as the server would.</summary>
    public static (JsonObject Obj, IReadOnlyList<StatusCause> Causes) Create(string kind, string json) => Create(kind, Parse(json));

    public static (JsonObject Obj, IReadOnlyList<StatusCause> Causes) Create(string kind, JsonObject obj)
    {
        var type = Type(kind);
        obj["apiVersion"] ??= type.ApiVersion;
        obj["kind"] ??= type.Kind;
        var meta = Json.EnsureObject(obj, "metadata");
        Json.SetDefault(meta, "name", "test");
        if (type.Namespaced)
        {
            Json.SetDefault(meta, "namespace", "default");
        }

        Json.SetDefault(meta, "uid", "6f1f6b2e-0000-4000-8000-000000000001");
        Json.SetDefault(meta, "creationTimestamp", Created);
        type.Strategy.PrepareForCreate(obj);
        type.Strategy.ApplyDefaults(obj);
        return (obj, type.Strategy.Validate(obj));
    }

    /// <summary>Creates <paramref name="json"/> and asserts it is valid.</summary>
    public static JsonObject Valid(string kind, string json)
    {
        var (obj, causes) = Create(kind, json);
        Assert.True(causes.Count == 0, $"expected a valid {kind}, got:\n{string.Join("\n", causes)}");
        return obj;
    }

    /// <summary>Runs the update path of <paramref name="updated"/> over <paramref name="old"/>.</summary>
    public static IReadOnlyList<StatusCause> Update(string kind, JsonObject old, JsonObject updated)
    {
        var strategy = Strategy(kind);
        strategy.PrepareForUpdate(updated, old);
        strategy.ApplyDefaults(updated);
        return [.. strategy.Validate(updated), .. strategy.ValidateUpdate(updated, old)];
    }

    /// <summary>A copy of <paramref name="obj"/> changed by <paramref name="edit"/>.</summary>
    public static JsonObject Edit(JsonObject obj, Action<JsonObject> edit)
    {
        var copy = (JsonObject)obj.DeepClone();
        edit(copy);
        return copy;
    }

    /// <summary>Asserts that a cause with exactly this field, reason and message is present.</summary>
    public static void HasCause(IReadOnlyList<StatusCause> causes, string field, string reason, string message)
    {
        Assert.True(causes.Any(c => c.Field == field && c.Reason == reason && c.Message == message),
            $"expected {field}: [{reason}] {message}\nbut got:\n{string.Join("\n", causes.Select(c => $"{c.Field}: [{c.Reason}] {c.Message}"))}");
    }

    public static JsonNode? At(JsonNode? node, string path) => Json.Walk(node, path.Split('.'));

    /// <summary>Loads a multi-document YAML file of tests/fixtures as JSON objects (plain scalars typed as YAML 1.1 core schema does).</summary>
    public static IEnumerable<JsonObject> Fixture(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "fixtures")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, "tests/fixtures not found above the test binary");
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(dir!.FullName, "tests", "fixtures", relative))));
        foreach (var doc in stream.Documents)
        {
            if (ToJson(doc.RootNode) is JsonObject o)
            {
                yield return o;
            }
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode s when s.Style is ScalarStyle.Plain => Plain(s.Value ?? ""),
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        _ => null,
    };

    private static JsonNode? Plain(string v) => v switch
    {
        "" or "~" or "null" => null,
        "true" or "True" => JsonValue.Create(true),
        "false" or "False" => JsonValue.Create(false),
        _ when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        _ when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && v.Contains('.') => JsonValue.Create(d),
        _ => JsonValue.Create(v),
    };
}
