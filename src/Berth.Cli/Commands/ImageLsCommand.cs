using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image ls</c>: REPOSITORY TAG DIGEST SIZE CREATED.</summary>
[Description("List the images in the node's image store")]
public sealed class ImageLsCommand : AsyncCommand<ImageLsCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandOption("-q|--quiet")]
        [Description("Only print references")]
        public bool Quiet { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(() =>
        {
            var store = new ImageStore(settings.DataDir);
            var rows = store.List();
            if (settings.Quiet)
            {
                foreach (var r in rows)
                {
                    Console.WriteLine(r.Reference.ToString());
                }
                return Task.FromResult(0);
            }
            var now = TimeProvider.System.GetUtcNow();
            string[] header = ["REPOSITORY", "TAG", "DIGEST", "SIZE", "CREATED"];
            var table = rows.Select(r => new[]
            {
                r.Reference.Name, r.Reference.Tag ?? "<none>", Digest.Short(r.Digest),
                ImageCommandRunner.FormatSize(r.Size), ImageCommandRunner.Ago(r.Created, now),
            }).Prepend(header).ToList();
            // Plain padded columns like docker/kubectl: never wrapped, easy to grep and cut.
            var widths = Enumerable.Range(0, header.Length).Select(i => table.Max(row => row[i].Length)).ToArray();
            foreach (var row in table)
            {
                Console.WriteLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
            }
            return Task.FromResult(0);
        });
}
