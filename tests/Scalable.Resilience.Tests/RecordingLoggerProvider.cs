using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scalable.Resilience.Tests;

// Keeps every log entry (event id and text) so tests can check what the library logged.
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(int, LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
