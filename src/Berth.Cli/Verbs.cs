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
    }
}
