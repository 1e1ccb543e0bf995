using System.Globalization;
using Backoffice.ServiceDefaults.Hosting;
using Backoffice.Data;
using Npgsql;

namespace Backoffice.Api.Database;

public static class DatabaseExtensions
{
    private const string CommandTimeoutKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.CommandTimeout)}";
    private const string MaxAutoPrepareKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.MaxAutoPrepare)}";

    /// <summary>
    /// The Backoffice database for reads and audit inserts: a pooled <see cref="BoDbContext"/> over
    /// one <see cref="Npgsql.NpgsqlDataSource"/> (the lookups read projections only, so nothing is
    /// tracked), query and pool metrics, and the readiness check (database reachable, schema at
    /// <see cref="BoSchema.LatestMigrationId"/>). Every command has <c>Database:CommandTimeout</c>;
    /// statements that repeat are prepared (<c>Database:MaxAutoPrepare</c>), and a connection going
    /// back to the pool is not reset: the API never changes session state (no <c>SET</c>, temporary
    /// tables or <c>LISTEN</c>), so the reset (a <c>DISCARD ALL</c> before the next use) would only
    /// cost the server a statement per request and drop the prepared statements. A connection string
    /// with <c>Multiplexing=true</c> is refused: it was measured 30 % cheaper per lookup, but Npgsql
    /// gives multiplexed commands no command timeout (see docs/benchmarks.md).
    /// </summary>
    public static IHostApplicationBuilder AddBackofficeData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidSettingsException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} is required: the connection string of the Backoffice database.");
        }

        if (BoConnectionStrings.EnablesMultiplexing(connectionString))
        {
            throw new InvalidSettingsException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} must not enable Multiplexing: Npgsql does not apply "
                + $"{CommandTimeoutKey} to multiplexed commands, so a lookup stuck behind a lock or on a server that stopped "
                + "answering would never end (and would hold up the lookups pipelined behind it) instead of answering 503.");
        }

        // Read now because the data source is built from it; a bad value stops start-up in the
        // options validation below, so here it only has to fall back rather than throw.
        var defaults = new DatabaseOptions();
        var commandTimeout = int.TryParse(builder.Configuration[CommandTimeoutKey], CultureInfo.InvariantCulture, out var timeout)
                             && timeout > 0
            ? timeout
            : defaults.CommandTimeout;
        var maxAutoPrepare = int.TryParse(builder.Configuration[MaxAutoPrepareKey], CultureInfo.InvariantCulture, out var prepare)
                             && prepare >= 0
            ? prepare
            : defaults.MaxAutoPrepare;
        builder.Services.AddBoDbContext(connectionString, dataSource =>
        {
            dataSource.ConnectionStringBuilder.CommandTimeout = commandTimeout;
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = maxAutoPrepare;
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
        });

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
