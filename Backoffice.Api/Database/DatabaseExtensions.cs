using System.Globalization;
using Backoffice.Api.Hosting;
using Backoffice.Data;

namespace Backoffice.Api.Database;

public static class DatabaseExtensions
{
    private const string CommandTimeoutKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.CommandTimeout)}";

    /// <summary>
    /// The Backoffice database for reads and audit inserts: a pooled <see cref="BoDbContext"/> over
    /// one <see cref="Npgsql.NpgsqlDataSource"/> (the lookups read projections only, so nothing is
    /// tracked), query and pool metrics, and the readiness check (database reachable, schema at
    /// <see cref="BoSchema.LatestMigrationId"/>). Every command has <c>Database:CommandTimeout</c>.
    /// </summary>
    public static IHostApplicationBuilder AddBackofficeData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidSettingsException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} is required: the connection string of the Backoffice database.");
        }

        // Read now because the data source is built from it; a bad value stops start-up in the
        // options validation below, so here it only has to fall back rather than throw.
        var commandTimeout = int.TryParse(builder.Configuration[CommandTimeoutKey], CultureInfo.InvariantCulture, out var configured)
                             && configured > 0
            ? configured
            : new DatabaseOptions().CommandTimeout;
        builder.Services.AddBoDbContext(connectionString, dataSource => dataSource.ConnectionStringBuilder.CommandTimeout = commandTimeout);

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
