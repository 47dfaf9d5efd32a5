using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Tests.Support;

/// <summary>Keeps the last log lines of chosen categories in memory, for failure messages.</summary>
public sealed class MemoryLog(string categoryPrefix, int capacity = 2000) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => categoryName.StartsWith(categoryPrefix, StringComparison.Ordinal)
        ? new Sink(this, categoryName)
        : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public override string ToString() => string.Join("\n", _lines);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Sink(MemoryLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {category} {formatter(state, exception)}");
    }
}
