using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>Keeps the API's own log records (category <c>Backoffice.Api.*</c>) with their structured state.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    public IReadOnlyCollection<LogRecord> Records => _records;

    public ILogger CreateLogger(string categoryName) => new SinkLogger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(string category, LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Backoffice.Api", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal)
                : [];
            sink._records.Enqueue(new LogRecord(category, logLevel, eventId, formatter(state, exception), properties));
        }
    }
}

public sealed record LogRecord(
    string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Properties);
