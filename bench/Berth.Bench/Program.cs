using System.Reflection;

namespace Berth.Bench;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var scenarios = typeof(Program).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScenario).IsAssignableFrom(t))
            .Select(t => (IScenario)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: bench/run SCENARIO [options]\n\nscenarios:");
            foreach (var s in scenarios)
            {
                Console.WriteLine($"  {s.Name,-18} {s.Description}");
            }

            return args.Length == 0 ? 2 : 0;
        }

        var scenario = scenarios.FirstOrDefault(s => s.Name == args[0]);
        if (scenario is null)
        {
            Console.Error.WriteLine($"bench: no scenario named '{args[0]}'; known: {string.Join(", ", scenarios.Select(s => s.Name))}");
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await scenario.RunAsync(args[1..], cts.Token);
    }
}
