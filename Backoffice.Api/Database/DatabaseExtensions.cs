using Backoffice.Data;

namespace Backoffice.Api.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// The Backoffice database for reads and audit inserts: a pooled <see cref="BoDbContext"/> over
    /// one <see cref="Npgsql.NpgsqlDataSource"/> (the lookups read projections only, so nothing is
    /// tracked), query and pool metrics, and the readiness check (database reachable, schema at
    /// <see cref="BoSchema.LatestMigrationId"/>).
    /// </summary>
    public static IHostApplicationBuilder AddBackofficeData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} is required: the connection string of the Backoffice database.");
        }

        builder.Services.AddBoDbContext(connectionString);

        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DbMetrics>();
        builder.Services.AddHostedService<DatabaseSampler>();
        builder.Services.AddHealthChecks().AddBoSchemaCheck();
        return builder;
    }
}
