using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Server.Http;

/// <summary>
/// Builds the <c>meta.k8s.io/v1 Table</c> that <c>kubectl get</c> asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>. Each row carries the object as
/// <c>PartialObjectMetadata</c> by default (<c>includeObject=Metadata</c>), which kubectl needs for
/// <c>--show-labels</c> and the namespace column of <c>-A</c>.
/// </summary>
public static class TableBuilder
{
    /// <summary>True when the Accept header asks for a Table.</summary>
    public static bool WantsTable(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> objects, string resourceVersion, string? includeObject,
        DateTimeOffset now, bool includeColumns = true)
    {
        var columns = new JsonArray();
        if (includeColumns)
        {
            foreach (var c in type.Strategy.Columns)
            {
                columns.Add(new JsonObject
                {
                    ["name"] = c.Name,
                    ["type"] = c.Type,
                    ["format"] = c.Format,
                    ["description"] = c.Description,
                    ["priority"] = c.Priority,
                });
            }
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(Row(type, obj, includeObject, now));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonObject Row(ResourceType type, JsonObject obj, string? includeObject, DateTimeOffset now)
    {
        var cells = new JsonArray();
        foreach (var cell in type.Strategy.Cells(obj, now))
        {
            cells.Add(cell switch
            {
                null => null,
                JsonNode n => n.DeepClone(),
                string s => JsonValue.Create(s),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                bool b => JsonValue.Create(b),
                double d => JsonValue.Create(d),
                _ => JsonValue.Create(cell.ToString()),
            });
        }

        var row = new JsonObject { ["cells"] = cells };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = obj.DeepClone();
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                };
                break;
        }

        return row;
    }
}
