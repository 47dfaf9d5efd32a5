using Spectre.Console.Cli;

namespace Berth.Cli;

/// <summary>The verb table. Add one line per verb; the verb's logic lives in <c>Commands/</c>.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        config.AddBranch("image", image =>
        {
            image.SetDescription("Build, import, export, pull, push and list images in a node's image store");
            image.AddCommand<Commands.ImageBuildCommand>("build").WithExample("image", "build", "-t", "busybox-httpd:1", "examples/busybox");
            image.AddCommand<Commands.ImageImportCommand>("import").WithExample("image", "import", "busybox.tar");
            image.AddCommand<Commands.ImageExportCommand>("export").WithExample("image", "export", "busybox-httpd:1", "-o", "busybox.tar");
            image.AddCommand<Commands.ImageLsCommand>("ls").WithAlias("list");
            image.AddCommand<Commands.ImageInspectCommand>("inspect");
            image.AddCommand<Commands.ImageRmCommand>("rm").WithAlias("remove");
            image.AddCommand<Commands.ImageTagCommand>("tag").WithExample("image", "tag", "busybox-httpd:1", "localhost:5000/busybox-httpd:1");
            image.AddCommand<Commands.ImagePullCommand>("pull").WithExample("image", "pull", "--insecure-registry", "registry:5000", "registry:5000/app:1");
            image.AddCommand<Commands.ImagePushCommand>("push").WithExample("image", "push", "localhost:5000/busybox-httpd:1");
            image.AddCommand<Commands.ImagePruneCommand>("prune");
        });
    }
}
