using Microsoft.Extensions.Logging;

namespace Backoffice.LocalPostgres;

/// <summary>Plain lines on stdout (warnings and errors on stderr): what a resource console in the Aspire dashboard shows.</summary>
internal sealed class ConsoleLogger(string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{category}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.Message})")}";
        var writer = logLevel >= LogLevel.Warning ? Console.Error : Console.Out;
        writer.WriteLine(line);
    }
}
