using Backoffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backoffice.Api.Database;

/// <summary>
/// Readiness: the database answers and its schema carries the newest migration this build knows.
/// The API never migrates; until the migration step has run the API is not ready.
/// </summary>
internal sealed class SchemaReadinessCheck(BoDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var expected = db.Database.GetMigrations().LastOrDefault();
        if (expected is null)
        {
            return HealthCheckResult.Unhealthy("This build contains no migrations of the bo schema.");
        }

        try
        {
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            return applied.Contains(expected, StringComparer.Ordinal)
                ? HealthCheckResult.Healthy($"Schema at {applied[^1]}.")
                : HealthCheckResult.Unhealthy(
                    $"Schema is at {(applied.Count == 0 ? "no migration" : applied[^1])}; this API needs {expected}.");
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The database is unreachable.", exception);
        }
    }
}
