using Spectre.Console.Cli;

namespace Berth.Cli;

/// <summary>The verb table. Add one line per verb; the verb's logic lives in <c>Commands/</c>.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        _ = config;
    }
}
