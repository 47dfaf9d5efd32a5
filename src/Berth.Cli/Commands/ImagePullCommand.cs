using System.ComponentModel;
using System.Diagnostics;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image pull REF</c>: download an image from a registry into the node's store.</summary>
[Description("Pull an image from a registry (OCI distribution spec) into the node's image store")]
public sealed class ImagePullCommand : AsyncCommand<ImagePullCommand.Settings>
{
    public sealed class Settings : ImageRegistrySettings
    {
        [CommandArgument(0, "<REFERENCE>")]
        [Description("Image reference, e.g. registry:5000/app:1.0 or localhost:5000/busybox")]
        public string Reference { get; init; } = "";
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(async () =>
        {
            var reference = ImageReference.Parse(settings.Reference);
            var store = new ImageStore(settings.DataDir);
            var puller = new ImagePuller(store, settings.Options(reference.Registry));
            var clock = Stopwatch.StartNew();
            var result = await ImageTransferDisplay.RunAsync(p => puller.PullAsync(settings.Reference, p, cancellationToken));
            Console.WriteLine($"Digest: {result.Digest}");
            Console.WriteLine($"Status: Downloaded {ImageCommandRunner.FormatSize(result.BytesDownloaded)} in {clock.Elapsed.TotalSeconds:0.00}s for {result.Reference}");
            return 0;
        });
}
