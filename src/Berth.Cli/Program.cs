using Spectre.Console.Cli;

namespace Berth.Cli;

/// <summary>The <c>berth</c> executable: one binary for the server, the agent and the client verbs.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var app = new CommandApp();
        app.Configure(Configure);
        return app.Run(args);
    }

    /// <summary>Registers every verb; each verb is one file under <c>Commands/</c>.</summary>
    public static void Configure(IConfigurator config)
    {
        config.SetApplicationName("berth");
        config.PropagateExceptions();
        config.ValidateExamples();
        Verbs.Register(config);
    }
}
