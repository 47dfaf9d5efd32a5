using System.Text.Json.Nodes;

namespace Berth.Server.Tests;

/// <summary>Small objects the API tests create.</summary>
internal static class TestObjects
{
    public static JsonObject ConfigMap(string name, string value = "v") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = value },
    };
}
