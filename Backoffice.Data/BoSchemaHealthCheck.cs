using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backoffice.Data;

/// <summary>Readiness: the database answers and its schema is at <see cref="BoSchema.LatestMigrationId"/>.</summary>
public sealed class BoSchemaHealthCheck(IDbContextFactory<BoDbContext> contextFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            var status = await db.Database.GetStatusAsync(cancellationToken);
            return status.IsCurrent
                ? HealthCheckResult.Healthy(status.Describe())
                : new HealthCheckResult(context.Registration.FailureStatus, status.Describe());
        }
#pragma warning disable CA1031 // A health check reports every failure instead of throwing it.
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Backoffice database unreachable.", exception);
        }
    }
}

public static class BoSchemaHealthCheckExtensions
{
    public const string DefaultName = "backoffice-schema";

    /// <summary>Needs <see cref="BoDataServiceCollectionExtensions.AddBoDbContext(IServiceCollection, string, string, Action{Npgsql.NpgsqlDataSourceBuilder}?)"/>.</summary>
    public static IHealthChecksBuilder AddBoSchemaCheck(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        IEnumerable<string>? tags = null) =>
        builder.AddCheck<BoSchemaHealthCheck>(name, HealthStatus.Unhealthy, tags ?? []);
}
