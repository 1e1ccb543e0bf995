using Backoffice.Kafka.Health;
using Backoffice.Kafka.Profiles;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Backoffice.Kafka.Clients;

/// <summary>
/// Our own Confluent.Kafka registration (Aspire.Confluent.Kafka is not available): the profile,
/// a client factory, an optional shared producer and the health check.
/// </summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Registers the profile read from <paramref name="section"/> (e.g. <c>Consumer</c>), validated at start-up,
    /// and a <see cref="KafkaClientFactory"/>. Configuration is read when the host starts, not now.
    /// </summary>
    public static IServiceCollection AddKafkaProfile(this IServiceCollection services, string section)
    {
        services.AddOptions<KafkaProfileSettings>()
            .Configure<IConfiguration, IHostEnvironment>((settings, configuration, environment) =>
                KafkaProfileSettings.Read(settings, configuration, section, environment))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaProfileSettings>, KafkaProfileSettingsValidator>());
        services.TryAddSingleton(sp => KafkaProfile.FromSettings(sp.GetRequiredService<IOptions<KafkaProfileSettings>>().Value));
        services.TryAddSingleton(sp => new KafkaClientFactory(
            sp.GetRequiredService<KafkaProfile>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Registers one shared, thread-safe producer (librdkafka batches across callers). The container
    /// disposes it; callers that must not lose queued messages flush before stopping.
    /// </summary>
    public static IServiceCollection AddKafkaProducer<TKey, TValue>(this IServiceCollection services, Action<ProducerConfig>? configure = null)
    {
        services.TryAddSingleton(sp =>
        {
            var config = new ProducerConfig
            {
                // Idempotence keeps retries from duplicating or reordering records within a partition.
                EnableIdempotence = true,
                Acks = Acks.All,
                LingerMs = 5,
            };
            configure?.Invoke(config);
            return sp.GetRequiredService<KafkaClientFactory>().CreateProducerBuilder<TKey, TValue>(config).Build();
        });
        return services;
    }

    /// <summary>Adds the cached metadata check (readiness).</summary>
    public static IHealthChecksBuilder AddKafkaHealthCheck(this IHealthChecksBuilder builder, string name = "kafka")
    {
        builder.Services.TryAddSingleton<KafkaHealthCheck>();
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => sp.GetRequiredService<KafkaHealthCheck>(),
            HealthStatus.Unhealthy,
            ["ready", "kafka"]));
    }
}
