using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image prune</c>: garbage-collect blobs and unpacked layers no reference reaches.</summary>
[Description("Delete blobs and unpacked layers that no image reference uses (layers of running containers are kept)")]
public sealed class ImagePruneCommand : AsyncCommand<ImageSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ImageSettings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(() =>
        {
            var r = new ImageStore(settings.DataDir).Prune();
            Console.WriteLine($"Deleted {r.BlobsRemoved} blobs and {r.LayersRemoved} layers, reclaimed {ImageCommandRunner.FormatSize(r.BytesFreed)}");
            foreach (var kept in r.LayersKeptInUse)
            {
                Console.WriteLine($"Kept (mounted by a container): {kept}");
            }
            return Task.FromResult(0);
        });
}
