using System.ComponentModel;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image tag SOURCE TARGET</c>.</summary>
[Description("Give an image another name")]
public sealed class ImageTagCommand : AsyncCommand<ImageTagCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "<SOURCE>")]
        public string Source { get; init; } = "";

        [CommandArgument(1, "<TARGET>")]
        public string Target { get; init; } = "";
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(() =>
        {
            var tagged = new ImageStore(settings.DataDir).Tag(settings.Source, settings.Target);
            Console.WriteLine($"Tagged {tagged}");
            return Task.FromResult(0);
        });
}
