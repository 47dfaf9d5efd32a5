using Berth.Cli.Commands;
using Spectre.Console.Cli;

namespace Berth.Cli;

/// <summary>The verb table. Add one line per verb; the verb's logic lives in <c>Commands/</c>.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        config.AddCommand<UpCommand>("up")
            .WithDescription("Run the API server, controllers, scheduler and node agent in one process.")
            .WithExample("up", "--data-dir", "/tmp/b", "--api-port", "16443");
        config.AddBranch("image", image =>
        {
            image.SetDescription("Build, import, export, pull, push and list images in a node's image store");
            image.AddCommand<ImageBuildCommand>("build").WithExample("image", "build", "-t", "busybox-httpd:1", "examples/busybox");
            image.AddCommand<ImageImportCommand>("import").WithExample("image", "import", "busybox.tar");
            image.AddCommand<ImageExportCommand>("export").WithExample("image", "export", "busybox-httpd:1", "-o", "busybox.tar");
            image.AddCommand<ImageLsCommand>("ls").WithAlias("list");
            image.AddCommand<ImageInspectCommand>("inspect");
            image.AddCommand<ImageRmCommand>("rm").WithAlias("remove");
            image.AddCommand<ImageTagCommand>("tag").WithExample("image", "tag", "busybox-httpd:1", "localhost:5000/busybox-httpd:1");
            image.AddCommand<ImagePullCommand>("pull").WithExample("image", "pull", "--insecure-registry", "registry:5000", "registry:5000/app:1");
            image.AddCommand<ImagePushCommand>("push").WithExample("image", "push", "localhost:5000/busybox-httpd:1");
            image.AddCommand<ImagePruneCommand>("prune");
        });
        config.AddBranch("vm", vm =>
        {
            vm.SetDescription("Start, stop, restart VirtualMachines and attach to their serial console (as virtctl does)");
            vm.AddCommand<VmStartCommand>("start").WithExample("vm", "start", "vm-cirros", "-n", "default");
            vm.AddCommand<VmStopCommand>("stop").WithExample("vm", "stop", "vm-cirros");
            vm.AddCommand<VmRestartCommand>("restart").WithExample("vm", "restart", "vm-cirros");
            vm.AddCommand<VmConsoleCommand>("console").WithExample("vm", "console", "vm-cirros", "--data-dir", "/tmp/b");
        });
    }
}
