using System.ComponentModel;
using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Images;
using Spectre.Console.Cli;

namespace Berth.Cli.Commands;

/// <summary><c>berth image build -t NAME:TAG [-f Containerfile] [--build-arg K=V] DIR</c>.</summary>
[Description("Build an image from a Containerfile (a Dockerfile subset; RUN steps run in runc)")]
public sealed class ImageBuildCommand : AsyncCommand<ImageBuildCommand.Settings>
{
    public sealed class Settings : ImageSettings
    {
        [CommandArgument(0, "[CONTEXT]")]
        [Description("Build context directory (COPY sources are relative to it)")]
        public string Context { get; init; } = ".";

        [CommandOption("-t|--tag <NAME:TAG>")]
        [Description("Name the result; repeatable")]
        public string[] Tags { get; init; } = [];

        [CommandOption("-f|--file <CONTAINERFILE>")]
        [Description("The Containerfile (default CONTEXT/Containerfile, else CONTEXT/Dockerfile)")]
        public string? File { get; init; }

        [CommandOption("--build-arg <KEY=VALUE>")]
        [Description("Value for an ARG; repeatable")]
        public string[] BuildArgs { get; init; } = [];

        [CommandOption("--network <MODE>")]
        [Description("Network for RUN steps: none (loopback only, default) or host")]
        [DefaultValue("none")]
        public string Network { get; init; } = "none";

        [CommandOption("--no-cache")]
        [Description("Do not use the build cache")]
        public bool NoCache { get; init; }

        public override Spectre.Console.ValidationResult Validate()
        {
            if (Tags.Length == 0)
            {
                return Spectre.Console.ValidationResult.Error("give the image a name: -t NAME[:TAG]");
            }
            if (BuildArgs.Any(a => !a.Contains('=')))
            {
                return Spectre.Console.ValidationResult.Error("--build-arg takes KEY=VALUE");
            }
            return Network is "none" or "host" ? base.Validate() : Spectre.Console.ValidationResult.Error("--network takes none or host");
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        ImageCommandRunner.RunAsync(async () =>
        {
            var store = new ImageStore(settings.DataDir);
            var builder = new ImageBuilder(store);
            var args = settings.BuildArgs.Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
            var options = new BuildOptions(settings.Context, settings.File, settings.Tags, args, settings.Network, settings.NoCache);
            var result = await builder.BuildAsync(options, Console.Out, cancellationToken);
            Console.WriteLine($"Built {Digest.Short(result.ImageId)} in {result.Elapsed.TotalSeconds:0.00}s ({result.CachedSteps} cached steps)");
            return 0;
        });
}
