using Backoffice.Kafka.Clients;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backoffice.Kafka.Health;

/// <summary>
/// Readiness of the broker connection: a metadata request with a short timeout. The result is
/// cached for <see cref="CacheFor"/> so frequent probes (and several probes at once) cost one request.
/// </summary>
public sealed class KafkaHealthCheck(KafkaClientFactory clientFactory, TimeProvider timeProvider) : IHealthCheck, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAdminClient? _adminClient;
    private (HealthCheckResult Result, DateTimeOffset At)? _cached;

    public static TimeSpan RequestTimeout { get; } = TimeSpan.FromSeconds(3);

    public static TimeSpan CacheFor { get; } = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (TryGetCached() is { } fresh)
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (TryGetCached() is { } cached)
            {
                return cached;
            }

            // GetMetadata blocks; keep it off the request thread.
            var result = await Task.Run(Probe, cancellationToken);
            _cached = (result, timeProvider.GetUtcNow());
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _adminClient?.Dispose();
        _gate.Dispose();
    }

    private HealthCheckResult? TryGetCached() =>
        _cached is { } c && timeProvider.GetUtcNow() - c.At < CacheFor ? c.Result : null;

    private HealthCheckResult Probe()
    {
        try
        {
            _adminClient ??= clientFactory.CreateAdminClientBuilder(new AdminClientConfig()).Build();
            var metadata = _adminClient.GetMetadata(RequestTimeout);
            var missing = clientFactory.Profile.Topics.Values
                .Where(topic => !metadata.Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError))
                .ToList();
            var data = new Dictionary<string, object>
            {
                ["brokers"] = metadata.Brokers.Count,
                ["profile"] = clientFactory.Profile.Name,
            };
            if (metadata.Brokers.Count == 0)
            {
                return HealthCheckResult.Unhealthy("Kafka metadata lists no broker.", data: data);
            }

            // A topic that does not exist yet is not a broker failure: it is created by its producer
            // (or auto-created), and the consumer picks it up on the next metadata refresh.
            return missing.Count == 0
                ? HealthCheckResult.Healthy($"Kafka reachable ({metadata.Brokers.Count} broker(s)).", data)
                : HealthCheckResult.Healthy($"Kafka reachable; topic(s) not present yet: {string.Join(", ", missing)}.", data);
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"Kafka metadata request failed: {ex.Error.Reason}", ex);
        }
    }
}
