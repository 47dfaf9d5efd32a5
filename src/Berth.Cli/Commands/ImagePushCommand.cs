using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image push REF [DESTINATION]</c>: upload an image from the node's store to a registry.</summary>
[Description("Push an image from the node's image store to a registry")]
public sealed class ImagePushCommand : AsyncCommand<ImagePushCommand.Settings>
{
    public sealed class Settings : ImageRegistrySettings
    {
        [CommandArgument(0, "<REFERENCE>")]
        [Description("The local image (its registry is the destination unless DESTINATION is given)")]
        public string Reference { get; init; } = "";

        [CommandArgument(1, "[DESTINATION]")]
        [Description("Where to push, e.g. registry:5000/app:1.0")]
        public string? Destination { get; init; }

        [CommandOption("--chunk-size <BYTES>")]
        [Description("Upload blobs in PATCH chunks of this size (default: one PUT per blob)")]
        public long? ChunkSize { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(async () =>
        {
            var target = ImageReference.Parse(settings.Destination ?? settings.Reference);
            var store = new ImageStore(settings.DataDir);
            var options = settings.Options(target.Registry);
            if (settings.ChunkSize is { } chunk)
            {
                options = options with { ChunkSize = chunk };
            }
            var pusher = new ImagePusher(store, options);
            var result = await ImageTransferDisplay.RunAsync(p => pusher.PushAsync(settings.Reference, settings.Destination, p, cancellationToken));
            Console.WriteLine($"{target.Tag ?? "latest"}: digest: {result.Digest} ({result.BlobsUploaded} blobs uploaded, {result.BlobsSkipped} already there, {ImageCommandRunner.FormatSize(result.BytesUploaded)})");
            return 0;
        });
}
