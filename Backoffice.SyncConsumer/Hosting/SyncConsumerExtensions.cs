using System.Data.Common;
using Backoffice.Data;
using Backoffice.Kafka.Clients;
using Backoffice.ServiceDefaults.Hosting;
using Backoffice.SyncConsumer.Health;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.SyncConsumer.Pairing;
using Backoffice.SyncConsumer.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Backoffice.SyncConsumer.Hosting;

public static class SyncConsumerExtensions
{
    /// <summary>The host's shutdown budget: stop polling, finish the batch, commit, leave the group (§5).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The consumer's connections' <c>application_name</c>, unless its connection string sets one.</summary>
    public const string DatabaseApplicationName = "backoffice-sync-consumer";

    /// <summary>
    /// Everything the Sync Consumer runs: the consume loop, its database and Kafka clients, metrics,
    /// tracing and readiness checks. Configured only by <c>ConnectionStrings:backoffice</c>,
    /// <c>ConnectionStrings:kafka</c>, <c>Consumer:*</c> and <c>Pairing:*</c>; it never creates schema.
    /// </summary>
    public static TBuilder AddSyncConsumer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);

        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidSettingsException($"ConnectionStrings:{BoDbContext.ConnectionStringName} (the Backoffice database) is required.");
        }

        if (BoConnectionStrings.EnablesMultiplexing(connectionString))
        {
            throw new InvalidSettingsException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} must not enable Multiplexing: Npgsql applies no command "
                + "timeout to multiplexed commands, so a batch stuck behind a lock or on a server that stopped answering would "
                + "hold its partitions forever instead of failing and being retried.");
        }

        services.AddBoDbContext(connectionString, DatabaseApplicationName, PrepareStatements);
        if (builder.Configuration["Logging:LogLevel:Npgsql"] is null)
        {
            // Npgsql logs every command at Information: thousands of lines a second at full speed.
            builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        }

        services.AddKafkaProfile(ConsumerOptions.Section);

        services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsumerOptions>, ConsumerOptionsValidator>());
        services.AddOptions<PairingOptions>().BindConfiguration(PairingOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PairingOptions>, PairingOptionsValidator>());
        services.AddOptions<NormalizerOptions>().BindConfiguration($"{ConsumerOptions.Section}:Normalizer").ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new EventNormalizer(sp.GetRequiredService<IOptions<NormalizerOptions>>().Value));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KafkaLagTracker>();
        services.AddSingleton<PairingGauges>();
        services.AddSingleton<ConsumerMetrics>();
        services.AddSingleton<WriteHealth>();
        services.AddSingleton<SyncBatchWriter>();
        services.AddSingleton<BatchProcessor>();
        services.AddHostedService<SyncWorker>();
        services.AddHostedService<PairingGaugeRefresher>();

        services.AddHealthChecks()
            .AddBoSchemaCheck(tags: ["ready"])
            .AddKafkaHealthCheck()
            .AddCheck<WriteHealth>("database-writes", tags: ["ready"]);

        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ConsumerMetrics.MeterName));
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(ConsumerTracing.SourceName).AddNpgsql());
        return builder;
    }

    /// <summary>
    /// The consumer sends the same few statements thousands of times a minute. Prepared, they are
    /// parsed and analysed once per connection and their text is not sent again; plans stay custom,
    /// made from each batch's own arrays, because generic plans of these statements, chosen while
    /// the tables had no statistics, were far slower (docs/benchmarks.md). A connection string that
    /// sets either setting keeps its own value.
    /// </summary>
    public static void PrepareStatements(NpgsqlDataSourceBuilder dataSource)
    {
        var settings = dataSource.ConnectionStringBuilder;
        // Npgsql's builder answers every known keyword as present; what the connection string
        // itself set is in its text (under the canonical keyword, whichever synonym was written).
        var written = new DbConnectionStringBuilder { ConnectionString = settings.ConnectionString };
        if (!written.ContainsKey("Max Auto Prepare"))
        {
            settings.MaxAutoPrepare = 32;
        }

        BoConnectionStrings.DefaultPlanCacheMode(settings, "force_custom_plan");
    }
}
