using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Resources;

/// <summary>Every served kind prints a row whose cells match its columns, whatever the object holds.</summary>
[Trait("Tier", "Unit")]
public sealed class TableTests
{
    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (var type in ResourceRegistry.Default.Types.Where(t => !t.Virtual))
        {
            data.Add(type.Kind);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Cells_match_columns_for_empty_and_defaulted_objects(string kind)
    {
        var strategy = Pipeline.Strategy(kind);
        var columns = strategy.Columns;
        Assert.Equal("Name", columns.First(c => c.Format == "name").Name);
        Assert.All(columns, c => Assert.Contains(c.Type, new[] { "string", "integer", "boolean", "date", "number" }));

        var empty = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x", ["creationTimestamp"] = Pipeline.Created } };
        Assert.Equal(columns.Count, strategy.Cells(empty, Pipeline.Now).Count);

        var (defaulted, _) = Pipeline.Create(kind, "{}");
        var cells = strategy.Cells(defaulted, Pipeline.Now);
        Assert.Equal(columns.Count, cells.Count);
        for (var i = 0; i < cells.Count; i++)
        {
            // Integer columns carry longs; the others carry JSON scalars. printers.go itself mixes types in two
            // places (CronJob "Suspend" is a boolean column of "True"/"False" strings, StorageClass
            // "AllowVolumeExpansion" a string column of booleans), which Berth mirrors.
            var cell = cells[i];
            if (columns[i].Type == "integer")
            {
                Assert.IsType<long>(cell);
            }
            else
            {
                Assert.True(cell is null or string or long or bool, $"{kind} column {columns[i].Name}: {cell?.GetType()}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Status_subresource_matches_the_registry(string kind) =>
        Assert.Equal(Pipeline.Type(kind).HasSubresource("status"), Pipeline.Strategy(kind).HasStatusSubresource);
}
