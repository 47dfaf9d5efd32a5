namespace Berth.Store.Tests;

/// <summary>
/// The test executable's entry point: xunit's (as its generated one would be), plus
/// <c>--sqlite-crash-child</c>, the writer process that <see cref="SqliteCrashTests"/> kills.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == SqliteCrashChild.Argument)
        {
            return SqliteCrashChild.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        if (args.Any(a => a is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }

        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
