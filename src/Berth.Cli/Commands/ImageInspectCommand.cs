using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image inspect REF</c>: JSON with the references, digests, manifest, config and layer directories.</summary>
[Description("Show an image's manifest, config and unpacked layers as JSON")]
public sealed class ImageInspectCommand : AsyncCommand<ImageInspectCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "<REFERENCE>")]
        public string Reference { get; init; } = "";
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(() =>
        {
            var store = new ImageStore(settings.DataDir);
            var d = store.Inspect(settings.Reference);
            var json = new JsonObject
            {
                ["Id"] = d.ImageId,
                ["Digest"] = d.Digest,
                ["MediaType"] = d.MediaType,
                ["RepoTags"] = new JsonArray([.. d.References.Select(r => (JsonNode)r)]),
                ["Size"] = d.Size,
                ["Created"] = d.Config.Created?.ToString("o"),
                ["Architecture"] = d.Config.Architecture,
                ["Os"] = d.Config.Os,
                ["Config"] = JsonSerializer.SerializeToNode(d.Config.Config, ImageJson.Options),
                ["RootFS"] = JsonSerializer.SerializeToNode(d.Config.RootFs, ImageJson.Options),
                ["History"] = JsonSerializer.SerializeToNode(d.Config.History, ImageJson.Options),
                ["Manifest"] = JsonSerializer.SerializeToNode(d.Manifest, ImageJson.Options),
                ["LayerDirs"] = new JsonArray([.. d.LayerDirs.Select(l => (JsonNode)l)]),
            };
            Console.WriteLine(json.ToJsonString(ImageJson.Indented));
            return Task.FromResult(0);
        });
}
