using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Backoffice.SyncConsumer;
using Backoffice.SyncConsumer.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backoffice.Tests.Consumer;

/// <summary>Where a test consumer reads from and writes to; <see cref="ToConfiguration"/> is all it is told.</summary>
internal sealed record ConsumerSettings(string Database, string BootstrapServers, string LedgerTopic, string OrderTopic, string GroupId)
{
    public Dictionary<string, string?> ToConfiguration() => new()
    {
        ["ConnectionStrings:backoffice"] = Database,
        ["ConnectionStrings:kafka"] = BootstrapServers,
        ["Consumer:Profile"] = "local",
        ["Consumer:Profiles:local:Topics:ledger"] = LedgerTopic,
        ["Consumer:Profiles:local:Topics:payment_order"] = OrderTopic,
        ["Consumer:GroupId"] = GroupId,
        ["Consumer:RetryMaxBackoff"] = "00:00:00.500",
        // Faster group changes than production defaults, so rebalances in tests take a second, not ten.
        ["Consumer:Kafka:session.timeout.ms"] = "6000",
        ["Consumer:Kafka:heartbeat.interval.ms"] = "500",
        ["Consumer:Kafka:topic.metadata.refresh.interval.ms"] = "2000",
        ["Pairing:GaugeRefreshInterval"] = "00:00:00.200",
    };
}

/// <summary>
/// The Sync Consumer in-process, configured only through configuration keys, with a meter listener
/// that sees this host's instruments alone (other hosts in the test process have meters of the same name).
/// </summary>
internal sealed class ConsumerHost(IReadOnlyDictionary<string, string?> configuration) : WebApplicationFactory<SyncConsumerEntryPoint>
{
    private MeterListener? _listener;

    public ConsumerHost(ConsumerSettings settings, params (string Key, string? Value)[] overrides)
        : this(Merge(settings.ToConfiguration(), overrides))
    {
    }

    /// <summary>Counter totals of this host by instrument name and tag values, e.g. ("consumer_messages_total", "stream=ledger,result=upserted").</summary>
    public ConcurrentDictionary<(string Instrument, string Tags), long> Counters { get; } = new();

    /// <summary>Starts the host (the consumer joins its group in the background).</summary>
    public ConsumerHost Start()
    {
        var meterFactory = Services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Meter.Name == ConsumerMetrics.MeterName && instrument is Counter<long>)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = string.Join(',', tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            Counters.AddOrUpdate((instrument.Name, key), value, (_, total) => total + value);
        });
        _listener.Start();
        return this;
    }

    /// <summary>Information and above from the consumer's own categories (<c>Backoffice.*</c>), in order.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public long Counter(string instrument, string tags) => Counters.GetValueOrDefault((instrument, tags));

    public long Messages(string stream, string result) => Counter("consumer_messages_total", $"result={result},stream={stream}");

    public long MessagesTotal() => Counters.Where(c => c.Key.Instrument == "consumer_messages_total").Sum(c => c.Value);

    public async Task<string> MetricsTextAsync()
    {
        using var client = CreateClient();
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
    }

    public async Task<(int Status, string Body)> HealthAsync(string path = "/health")
    {
        using var client = CreateClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Development);
        foreach (var (key, value) in configuration)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(Logs)));
    }

    protected override void Dispose(bool disposing)
    {
        _listener?.Dispose();
        base.Dispose(disposing);
    }

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> settings, (string Key, string? Value)[] overrides)
    {
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }
}

/// <summary>Consumer warnings and errors go to the running test's output, so a failing test shows why.</summary>
internal sealed class TestOutputLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(categoryName, sink);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        /// <summary>BO_TEST_CONSUMER_LOGS=1 shows everything down to librdkafka debug messages.</summary>
        private static readonly LogLevel OutputLevel = Environment.GetEnvironmentVariable("BO_TEST_CONSUMER_LOGS") is null ? LogLevel.Warning : LogLevel.Debug;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= OutputLevel || (logLevel >= LogLevel.Information && category.StartsWith("Backoffice.", StringComparison.Ordinal));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Information && category.StartsWith("Backoffice.", StringComparison.Ordinal))
            {
                sink.Enqueue(formatter(state, exception));
            }

            if (logLevel >= OutputLevel)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : $" {exception.GetType().Name}: {exception.Message}")}");
            }
        }
    }
}
