using System.Collections.Concurrent;

namespace Berth.Server;

/// <summary>
/// What <c>/readyz</c> reports: each component (api, store, controllers, scheduler, node) registers,
/// then marks itself ready. The server is ready when every registered component is.
/// </summary>
public sealed class ReadinessGate
{
    private readonly ConcurrentDictionary<string, bool> _components = new(StringComparer.Ordinal);

    public void Register(string component) => _components.TryAdd(component, false);

    public void MarkReady(string component) => _components[component] = true;

    public void MarkNotReady(string component) => _components[component] = false;

    public bool IsReady => !_components.IsEmpty && _components.Values.All(v => v);

    /// <summary>The body of <c>/readyz?verbose</c>: <c>[+]api ok</c> / <c>[-]node failed</c> lines.</summary>
    public string Describe() =>
        string.Join("\n", _components.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"[{(c.Value ? '+' : '-')}]{c.Key} {(c.Value ? "ok" : "not ready")}"))
        + $"\nreadyz check {(IsReady ? "passed" : "failed")}\n";
}
