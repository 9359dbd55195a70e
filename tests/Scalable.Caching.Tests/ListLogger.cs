using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scalable.Caching.Tests;

// Keeps what the cache logged, so a failing test can show it.
internal sealed class ListLogger : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Text => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {eventId.Id} {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");

    public void Dispose()
    {
    }
}
