using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image rm REF...</c>: remove references; <c>berth image prune</c> frees the space.</summary>
[Description("Remove image references (content is freed by `berth image prune`)")]
public sealed class ImageRmCommand : AsyncCommand<ImageRmCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "<REFERENCE>")]
        [Description("Names, digests or image IDs")]
        public string[] References { get; init; } = [];

        [CommandOption("--prune")]
        [Description("Collect garbage afterwards")]
        public bool Prune { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(() =>
        {
            var store = new ImageStore(settings.DataDir);
            foreach (var reference in settings.References)
            {
                foreach (var removed in store.Remove(reference))
                {
                    Console.WriteLine($"Untagged: {removed}");
                }
            }
            if (settings.Prune)
            {
                var r = store.Prune();
                Console.WriteLine($"Deleted {r.BlobsRemoved} blobs and {r.LayersRemoved} layers, reclaimed {ImageCommandRunner.FormatSize(r.BytesFreed)}");
            }
            return Task.FromResult(0);
        });
}
