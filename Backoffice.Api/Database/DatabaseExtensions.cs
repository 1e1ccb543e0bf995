using System.Globalization;
using Backoffice.ServiceDefaults.Hosting;
using Backoffice.Data;
using Npgsql;

namespace Backoffice.Api.Database;

public static class DatabaseExtensions
{
    /// <summary>The API's connections' <c>application_name</c>, unless its connection string sets one.</summary>
    public const string DatabaseApplicationName = "backoffice-api";

    private const string CommandTimeoutKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.CommandTimeout)}";
    private const string MaxAutoPrepareKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.MaxAutoPrepare)}";
    private const string MaxPoolSizeKey = $"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.MaxPoolSize)}";

    /// <summary>
    /// The Backoffice database for reads and audit inserts: a pooled <see cref="BoDbContext"/> over
    /// one <see cref="Npgsql.NpgsqlDataSource"/> (the lookups read projections only, so nothing is
    /// tracked), query and pool metrics, and the readiness check (database reachable, schema at
    /// <see cref="BoSchema.LatestMigrationId"/>). Every command has <c>Database:CommandTimeout</c>;
    /// the pool holds at most <c>Database:MaxPoolSize</c> connections, named
    /// <see cref="DatabaseApplicationName"/> on the server unless the connection string names them;
    /// statements that repeat are prepared (<c>Database:MaxAutoPrepare</c>), and a connection going
    /// back to the pool is not reset: the API never changes session state (no <c>SET</c>, temporary
    /// tables or <c>LISTEN</c>), so the reset (a <c>DISCARD ALL</c> before the next use) would only
    /// cost the server a statement per request and drop the prepared statements. Prepared statements
    /// run generic plans (<c>plan_cache_mode=force_generic_plan</c>, unless the connection string's
    /// <c>Options</c> set the mode): every lookup is an index lookup whose plan does not depend on
    /// its values, and PostgreSQL's own choice (<c>auto</c>) re-planned the shared transaction
    /// lookup on every execution, because it prices an id array of unknown length as ten ids
    /// (planning 0.18 ms, more than the 0.06–0.14 ms the statement ran; docs/benchmarks.md,
    /// "Lookups, 2026-12-08"). A connection string
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

        // Read now because the data source is built from them; a bad value stops start-up in the
        // options validation below, so here it only has to fall back rather than throw.
        var defaults = new DatabaseOptions();
        var commandTimeout = ReadSetting(builder.Configuration, CommandTimeoutKey, minimum: 1, defaults.CommandTimeout);
        var maxAutoPrepare = ReadSetting(builder.Configuration, MaxAutoPrepareKey, minimum: 0, defaults.MaxAutoPrepare);
        var maxPoolSize = ReadSetting(builder.Configuration, MaxPoolSizeKey, minimum: 1, defaults.MaxPoolSize);
        if (BoConnectionStrings.MinimumPoolSize(connectionString) is { } minPoolSize && minPoolSize > maxPoolSize)
        {
            throw new InvalidSettingsException(
                $"ConnectionStrings:{BoDbContext.ConnectionStringName} sets Minimum Pool Size {minPoolSize}, above "
                + $"{MaxPoolSizeKey} ({maxPoolSize}), which is the API's maximum whatever the connection string says.");
        }

        builder.Services.AddBoDbContext(connectionString, DatabaseApplicationName, dataSource =>
        {
            dataSource.ConnectionStringBuilder.CommandTimeout = commandTimeout;
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = maxAutoPrepare;
            dataSource.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            BoConnectionStrings.DefaultPlanCacheMode(dataSource.ConnectionStringBuilder, "force_generic_plan");
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

    private static int ReadSetting(IConfiguration configuration, string key, int minimum, int fallback) =>
        int.TryParse(configuration[key], CultureInfo.InvariantCulture, out var value) && value >= minimum ? value : fallback;
}
