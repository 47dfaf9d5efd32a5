namespace Berth.Bench;

/// <summary>
/// One benchmark scenario run by <c>bench/run NAME [options]</c>. A scenario prints a human-readable
/// table first and, as its last line on stdout, one JSON object with its figures (the contract
/// outside checks read). Scenarios are found by reflection: add a class, nothing else.
/// </summary>
public interface IScenario
{
    /// <summary>The name given on the command line (<c>api</c>, <c>pod-startup</c>, <c>scheduler</c>, ...).</summary>
    string Name { get; }

    /// <summary>One line for <c>bench/run --help</c>.</summary>
    string Description { get; }

    /// <summary>Runs the scenario; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);
}
