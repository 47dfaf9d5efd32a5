using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image import FILE</c>: a docker save tarball or an OCI image layout (tar or directory).</summary>
[Description("Import images from a `docker save` tarball or an OCI image layout (archive or directory)")]
public sealed class ImageImportCommand : AsyncCommand<ImageImportCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("docker save .tar, OCI layout .tar, or OCI layout directory")]
        public string File { get; init; } = "";

        [CommandOption("-t|--tag <NAME:TAG>")]
        [Description("Name for an image the archive does not name (or to rename its single image)")]
        public string? Tag { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(async () =>
        {
            var store = new ImageStore(settings.DataDir);
            var imported = await new ImageArchive(store).ImportAsync(settings.File, settings.Tag, cancellationToken);
            foreach (var (reference, digest) in imported)
            {
                Console.WriteLine($"Loaded image: {reference} ({digest})");
            }
            return 0;
        });
}
