using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using Berth.Api.Protobuf;
using Berth.Api.Resources;
using k8s.Models;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

[Trait("Tier", "Unit")]
public sealed class ProtobufSchemaTests
{
    private static readonly string[] Groups =
        ["", "apps", "batch", "policy", "autoscaling", "authentication.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
         "networking.k8s.io", "node.k8s.io", "storage.k8s.io"];

    private static string ApiVersion(string group, string version) => group.Length == 0 ? version : group + "/" + version;

    [Fact]
    public void EveryBuiltInKindBerthServesHasAMessage()
    {
        var kinds = ResourceRegistry.Default.Types.Where(t => Groups.Contains(t.Group)).ToList();
        Assert.NotEmpty(kinds);
        foreach (var t in kinds)
        {
            Assert.True(ProtobufSchema.Default.FindKind(ApiVersion(t.Group, t.Version), t.Kind) is not null, $"{t.Kind} ({ApiVersion(t.Group, t.Version)}) has no message");
        }
    }

    [Theory]
    [InlineData("policy/v1", "Eviction")]
    [InlineData("autoscaling/v1", "Scale")]
    [InlineData("authentication.k8s.io/v1", "TokenRequest")]
    [InlineData("v1", "Binding")]
    [InlineData("v1", "DeleteOptions")]
    [InlineData("batch/v1", "DeleteOptions")]
    [InlineData("meta.k8s.io/v1", "DeleteOptions")]
    public void SubresourceAndOptionKindsHaveAMessage(string apiVersion, string kind) =>
        Assert.NotNull(ProtobufSchema.Default.FindKind(apiVersion, kind));

    [Fact]
    public void EveryReferencedMessageResolvesAndInlineFieldsDoNotCollide()
    {
        foreach (var message in ProtobufSchema.Default.Messages.Where(m => m.Special == ProtoSpecial.None))
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in JsonNames(message))
            {
                Assert.True(names.Add(name), $"{message.Name}: JSON property '{name}' appears twice once inline fields are flattened");
            }
        }
    }

    /// <summary>
    /// The JSON names the generator took from the Go structs agree with the KubernetesClient models (generated from
    /// the OpenAPI spec), for every kind Berth serves and everything those kinds reach.
    /// </summary>
    [Fact]
    public void JsonNamesAgreeWithTheKubernetesClientModels()
    {
        var models = typeof(V1Pod).Assembly.GetTypes()
            .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
            .Where(x => x.Entity is not null)
            .ToDictionary(x => (x.Entity!.Group, x.Entity.ApiVersion, x.Entity.Kind), x => x.Type);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var checkedPairs = new HashSet<(string, Type)>();
        var kinds = ResourceRegistry.Default.Types.Where(t => Groups.Contains(t.Group)).Select(t => (t.Group, t.Version, t.Kind))
            .Concat([("policy", "v1", "Eviction"), ("autoscaling", "v1", "Scale"), ("authentication.k8s.io", "v1", "TokenRequest"), ("", "v1", "Binding")]);
        foreach (var (group, version, kind) in kinds)
        {
            var model = models[(group, version, kind)];
            Compare(ProtobufSchema.Default.FindKind(ApiVersion(group, version), kind)!, model, missing, checkedPairs);
        }

        Assert.True(checkedPairs.Count > 100, $"only {checkedPairs.Count} messages compared");
        Assert.Empty(missing);
    }

    private static void Compare(ProtoMessage message, Type model, SortedSet<string> missing, HashSet<(string, Type)> done)
    {
        if (!done.Add((message.Name, model)))
        {
            return;
        }

        var properties = model.GetProperties()
            .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(x => x.Name is not null)
            .ToDictionary(x => x.Name!, x => x.Property.PropertyType, StringComparer.Ordinal);
        foreach (var field in message.Fields)
        {
            if (field.Inline)
            {
                Compare(field.Message!, model, missing, done);
                continue;
            }

            if (!properties.TryGetValue(field.JsonName, out var type))
            {
                missing.Add($"{message.Name}.{field.JsonName} (model {model.Name})");
                continue;
            }

            if (field.Message is { Special: ProtoSpecial.None } inner)
            {
                Compare(inner, ElementType(type), missing, done);
            }
        }
    }

    private static Type ElementType(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>))
        {
            return type.GetGenericArguments()[1];
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
        {
            return type.GetGenericArguments()[0];
        }

        return type;
    }

    private static IEnumerable<string> JsonNames(ProtoMessage message) =>
        message.Fields.SelectMany(f => f.Inline ? JsonNames(f.Message!) : [f.JsonName]);
}
