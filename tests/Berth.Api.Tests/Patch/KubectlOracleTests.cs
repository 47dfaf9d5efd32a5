using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Patch;
using Xunit;

namespace Berth.Api.Tests.Patch;

/// <summary>
/// Differential tests: the same live object and patch through Berth and through <c>kubectl patch --local</c>
/// (apimachinery's own code). Seeded random strategic patches over containers, env and finalizers (adds, updates,
/// deletes, <c>$setElementOrder</c>, <c>$deleteFromPrimitiveList</c>, live-only sidecars) must give the same
/// object, item order included; fixed cases cover JSON patch and merge patch.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class KubectlOracleTests : IDisposable
{
    private readonly KubectlOracle _kubectl = new();

    public void Dispose() => _kubectl.Dispose();

    [Fact]
    public void RandomStrategicPatchesAgreeWithKubectl()
    {
        // BERTH_PATCH_ORACLE=seed:cases runs a longer sweep by hand; the default keeps the tier fast.
        var knob = (Environment.GetEnvironmentVariable("BERTH_PATCH_ORACLE") ?? "20261127:60").Split(':');
        var random = new Random(int.Parse(knob[0], System.Globalization.CultureInfo.InvariantCulture));
        var cases = int.Parse(knob[1], System.Globalization.CultureInfo.InvariantCulture);
        var failures = new List<string>();
        var applied = 0;
        for (var i = 0; i < cases; i++)
        {
            var (live, patch) = RandomCase(random);
            var expected = _kubectl.Patch(live, "strategic", patch.ToJsonString());
            applied += expected.StartsWith("error:", StringComparison.Ordinal) ? 0 : 1;
            string actual;
            try
            {
                actual = StrategicMergePatch.Apply(live, patch, PatchSchema.For("apps", "Deployment")!).ToJsonString();
            }
            catch (PatchException e)
            {
                actual = "error: " + e.Message;
            }

            if (!SameResult(expected, actual))
            {
                failures.Add($"case {i}\n live:  {live.ToJsonString()}\n patch: {patch.ToJsonString()}\n kubectl: {Compact(expected)}\n berth:   {actual}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} differ:\n" + string.Join("\n\n", failures.Take(5)));
        Assert.True(applied >= cases * 2 / 3, $"only {applied} of {cases} random patches applied: the generator makes too many invalid patches");
    }

    [Theory]
    [InlineData("json", """[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels/x","value":"y"}]""")]
    [InlineData("json", """[{"op":"replace","path":"/metadata/labels/new","value":"n"}]""")]
    [InlineData("json", """[{"op":"remove","path":"/spec/template/spec/containers/-1"}]""")]
    [InlineData("json", """[{"op":"move","from":"/metadata/labels/app","path":"/metadata/labels/role"},{"op":"copy","from":"/metadata/name","path":"/metadata/labels/copy"}]""")]
    [InlineData("json", """[{"op":"test","path":"/spec/replicas","value":2},{"op":"add","path":"/spec/template/spec/containers/0","value":{"name":"z","image":"z"}}]""")]
    [InlineData("merge", """{"metadata":{"labels":{"app":null,"x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"o","env":[{"name":"E","value":null}]}]}}}}""")]
    [InlineData("json", """[{"op":"test","path":"/metadata/nothing","value":null},{"op":"add","path":"/metadata/labels/v"}]""")]
    [InlineData("json", """[{"op":"add","path":"/spec/template/spec/containers/01","value":{"name":"q"}},{"op":"add","path":"/spec/template/spec/containers/+0","value":{"name":"r"}}]""")]
    [InlineData("json", """[{"op":"test","path":"/spec/template/spec/containers/1","value":{"image":"b:1","name":"b"}}]""")]
    [InlineData("strategic", """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"data"}],"volumes":[{"$retainKeys":["emptyDir","name"],"emptyDir":{},"name":"data"}]}}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"spec":{"containers":[{"name":"a","$setElementOrder/ports":[{"containerPort":443},{"containerPort":80}],"ports":[{"containerPort":443,"name":"https"}]}]}}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"n","image":"n"}]}}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"n","image":"n"}]}}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"spec":{"tolerations":[{"key":"c","operator":"Exists"}],"containers":[{"name":"b","image":null}]}}}}""")]
    [InlineData("strategic", """{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2"},{"name":"a","env":[{"name":"X","value":"1"}]}]}}}}""")]
    public void FixedPatchesAgreeWithKubectl(string type, string patch)
    {
        var live = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{
                 "containers":[{"name":"a","image":"a:1","ports":[{"containerPort":80,"protocol":"TCP"}]},{"name":"b","image":"b:1"}],
                 "volumes":[{"name":"data","hostPath":{"path":"/srv","type":""}}],
                 "tolerations":[{"key":"t","operator":"Exists"}]}}}}
            """)!.AsObject();
        var expected = _kubectl.Patch(live, type, patch);
        var actual = ObjectPatcher.Apply(live, type switch { "json" => PatchType.Json, "merge" => PatchType.Merge, _ => PatchType.StrategicMerge },
            JsonNode.Parse(patch), PatchSchema.For("apps", "Deployment")).ToJsonString();
        Assert.True(SameResult(expected, actual), $"kubectl: {Compact(expected)}\nberth:   {actual}");
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/metadata/nothing"}]""")]
    [InlineData("""[{"op":"remove","path":"/spec/template/spec/containers/7"}]""")]
    [InlineData("""[{"op":"replace","path":"/metadata/annotations/-1","value":"x"}]""")]
    [InlineData("""[{"op":"replace","path":"/spec/template/spec/containers/3","value":{}}]""")]
    [InlineData("""[{"op":"move","from":"/metadata","path":"/metadata/inner"}]""")]
    [InlineData("""[{"op":"test","path":"/metadata","value":{"name":"web","extra":1}}]""")]
    [InlineData("""[{"op":"test","path":"/spec/replicas","value":"2"}]""")]
    [InlineData("""[{"op":"add","path":"","value":{"a":1}}]""")]
    [InlineData("""[{"op":"add","path":"/nope/deeper","value":1}]""")]
    [InlineData("""[null]""")]
    [InlineData("""[{"op":"frobnicate","path":"/metadata"}]""")]
    public void JsonPatchErrorsHaveKubectlsText(string patch)
    {
        var live = JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a"}]}}}}""")!.AsObject();
        var expected = _kubectl.Patch(live, "json", patch);
        const string KubectlRewrite = "error: Object to be patched is missing field (";
        if (expected.StartsWith(KubectlRewrite, StringComparison.Ordinal))
        {
            // kubectl's patch command rewrites this library error; the server returns the library's text.
            expected = "error: replace operation does not apply: doc is missing key: " + expected[KubectlRewrite.Length..^1];
        }

        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(live, JsonNode.Parse(patch)));
        Assert.Equal(expected, "error: " + e.Detail);
    }

    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"image":"q"}]}}}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"$patch":"merge"}}}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"merge"}]}}}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"bogus"}]}}}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a"},{"name":"b"}]}}}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"$setElementOrder/containers":{"name":"a"}}}}}""")]
    [InlineData("""{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}""")]
    [InlineData("""{"$setElementOrder":[]}""")]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList":["x"]}}""")]
    [InlineData("""{"metadata":{"finalizers":[1]}}""")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[[80]]}]}}}}""")]
    public void StrategicErrorsHaveKubectlsText(string patch)
    {
        var live = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","finalizers":["a"]},
             "spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate"},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"a","ports":[{"containerPort":80}]}]}}}}
            """)!.AsObject();
        var expected = _kubectl.Patch(live, "strategic", patch);
        var e = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(live, JsonNode.Parse(patch)!.AsObject(), PatchSchema.For("apps", "Deployment")!));
        Assert.Equal(expected, "error: " + e.Message.Trim());
    }

    private static bool SameResult(string expected, string actual) =>
        expected.StartsWith("error:", StringComparison.Ordinal)
            ? actual.StartsWith("error:", StringComparison.Ordinal)
            : !actual.StartsWith("error:", StringComparison.Ordinal) && JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual));

    private static string Compact(string output) =>
        output.StartsWith("error:", StringComparison.Ordinal) ? output : JsonNode.Parse(output)!.ToJsonString();

    /// <summary>A Deployment with random containers (some with env) and finalizers, and a random patch of the kinds kubectl sends.</summary>
    private static (JsonObject Live, JsonObject Patch) RandomCase(Random random)
    {
        string[] pool = ["a", "b", "c", "d", "e", "f"];
        var liveNames = pool.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).ToList();
        var containers = new JsonArray();
        foreach (var name in liveNames)
        {
            var c = new JsonObject { ["name"] = name, ["image"] = name + ":1" };
            if (random.Next(2) == 0)
            {
                c["env"] = new JsonArray(liveNames.Take(random.Next(1, 3)).Select(n => (JsonNode)new JsonObject { ["name"] = "E" + n, ["value"] = "1" }).ToArray());
            }

            containers.Add(c);
        }

        var finalizers = new JsonArray(pool.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).Select(n => (JsonNode)("f/" + n)).ToArray());
        var live = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "default", ["finalizers"] = finalizers },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
                    ["spec"] = new JsonObject { ["containers"] = containers },
                },
            },
        };

        // What the user's configuration now lists, in its order; live-only names play injected sidecars.
        var desired = pool.Where(n => liveNames.Contains(n) ? random.Next(4) != 0 : random.Next(3) == 0).OrderBy(_ => random.Next()).ToList();
        var deleted = pool.Where(n => !desired.Contains(n) && random.Next(2) == 0).ToList();
        var items = new JsonArray();
        foreach (var name in desired)
        {
            if (!liveNames.Contains(name))
            {
                items.Add(new JsonObject { ["name"] = name, ["image"] = name + ":new" });
            }
            else if (random.Next(2) == 0)
            {
                var item = new JsonObject { ["name"] = name, ["image"] = name + ":2" };
                if (random.Next(2) == 0)
                {
                    item["$setElementOrder/env"] = new JsonArray(new JsonObject { ["name"] = "Enew" });
                    item["env"] = new JsonArray(new JsonObject { ["name"] = "Enew", ["value"] = "2" });
                }

                items.Add(item);
            }
        }

        foreach (var name in deleted)
        {
            items.Add(new JsonObject { ["$patch"] = "delete", ["name"] = name });
        }

        var podSpec = new JsonObject();
        if (random.Next(3) != 0)
        {
            podSpec["$setElementOrder/containers"] = new JsonArray(desired.Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray());
        }

        if (items.Count > 0)
        {
            podSpec["containers"] = items;
        }

        var metadata = new JsonObject();
        var keepFinalizers = finalizers.Select(f => (string)f!).Where(_ => random.Next(3) != 0).ToList();
        var addFinalizers = pool.Select(n => "f/" + n).Where(f => !finalizers.Any(x => (string)x! == f) && random.Next(4) == 0).ToList();
        var dropFinalizers = finalizers.Select(f => (string)f!).Except(keepFinalizers).ToList();
        if (addFinalizers.Count > 0)
        {
            metadata["finalizers"] = new JsonArray(addFinalizers.Select(f => (JsonNode)f).ToArray());
        }

        if (dropFinalizers.Count > 0)
        {
            metadata["$deleteFromPrimitiveList/finalizers"] = new JsonArray(dropFinalizers.Select(f => (JsonNode)f).ToArray());
        }

        if (metadata.Count > 0 && random.Next(2) == 0)
        {
            metadata["$setElementOrder/finalizers"] = new JsonArray(keepFinalizers.Concat(addFinalizers).OrderBy(_ => random.Next()).Select(f => (JsonNode)f).ToArray());
        }

        var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = podSpec } } };
        if (metadata.Count > 0)
        {
            patch["metadata"] = metadata;
        }

        return (live, patch);
    }
}
