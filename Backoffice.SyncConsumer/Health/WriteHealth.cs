using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backoffice.SyncConsumer.Health;

/// <summary>Readiness "database writes succeeding": unhealthy from a failed batch write until a write commits again (§5).</summary>
public sealed class WriteHealth(TimeProvider timeProvider) : IHealthCheck
{
    private volatile Failure? _failure;

    public void Failed(Exception exception)
    {
        var current = _failure;
        _failure = current is null
            ? new Failure(timeProvider.GetUtcNow(), exception.Message, 1)
            : current with { Reason = exception.Message, Attempts = current.Attempts + 1 };
    }

    public void Succeeded() => _failure = null;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_failure is { } failure
            ? new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Database writes failing since {failure.Since:O} ({failure.Attempts} attempt(s)), retrying: {failure.Reason}")
            : HealthCheckResult.Healthy("Database writes succeeding."));

    private sealed record Failure(DateTimeOffset Since, string Reason, int Attempts);
}
