using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image export REF -o FILE</c>: an OCI layout tar that docker load and skopeo read.</summary>
[Description("Export an image as an OCI image layout tar (also loadable by `docker load`) or directory")]
public sealed class ImageExportCommand : AsyncCommand<ImageExportCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "<REFERENCE>")]
        public string Reference { get; init; } = "";

        [CommandOption("-o|--output <FILE>")]
        [Description("Archive to write (- for stdout)")]
        public string? Output { get; init; }

        [CommandOption("--dir <DIR>")]
        [Description("Write an OCI layout directory instead of an archive")]
        public string? Directory { get; init; }

        public override ValidationResult Validate() =>
            (Output is null) == (Directory is null) ? ValidationResult.Error("give exactly one of -o FILE or --dir DIR") : base.Validate();
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(async () =>
        {
            var store = new ImageStore(settings.DataDir);
            var digest = await new ImageArchive(store).ExportAsync(settings.Reference, settings.Output ?? settings.Directory!, settings.Directory is not null, cancellationToken);
            if (settings.Output != "-")
            {
                Console.Error.WriteLine($"Exported {settings.Reference} ({digest}) to {settings.Output ?? settings.Directory}");
            }
            return 0;
        });
}
