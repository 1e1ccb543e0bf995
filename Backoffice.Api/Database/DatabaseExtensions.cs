using Backoffice.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Api.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// The Backoffice database for reads and audit inserts: a pooled, no-tracking
    /// <see cref="BoDbContext"/> over one <see cref="NpgsqlDataSource"/>, query and pool metrics,
    /// and the readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddBackofficeData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} is required: the connection string of the Backoffice database.");
        }

        builder.Services.AddNpgsqlDataSource(connectionString);
        builder.Services.AddDbContextPool<BoDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention()
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));

        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DbMetrics>();
        builder.Services.AddHostedService<DatabaseSampler>();
        builder.Services.AddHealthChecks()
            .AddCheck<SchemaReadinessCheck>("database", tags: ["ready"], timeout: TimeSpan.FromSeconds(5));
        return builder;
    }
}
