using System.Diagnostics;
using Backoffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Backoffice.Migrator;

/// <summary>
/// Runs one <see cref="MigratorCommand"/> against the Backoffice database. Concurrent migrators are
/// safe: one at a time applies the pending migrations (<see cref="ExclusiveMigration"/>), and a
/// migrator that then finds nothing pending changes nothing.
/// </summary>
internal sealed partial class MigrationRunner(
    IServiceProvider services,
    IOptions<MigratorOptions> options,
    TimeProvider timeProvider,
    ILogger<MigrationRunner> logger)
{
    private static readonly ActivitySource ActivitySource = new(typeof(MigrationRunner).Assembly.GetName().Name!);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private const int MaxMigrateAttempts = 3;

    public async Task<int> RunAsync(MigratorCommand command, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity($"migrator {command.ToString().ToLowerInvariant()}");
        var contextFactory = services.GetService<IDbContextFactory<BoDbContext>>();
        if (contextFactory is null)
        {
            LogMissingConnectionString(logger, BoDbContext.ConnectionStringName);
            return MigratorExitCodes.Failed;
        }

        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            db.Database.SetCommandTimeout(options.Value.CommandTimeout);
            var exitCode = command switch
            {
                MigratorCommand.Script => WriteScript(db),
                MigratorCommand.Check => await CheckAsync(db, cancellationToken),
                _ => await MigrateAsync(db, cancellationToken),
            };
            activity?.SetTag("migrator.exit_code", exitCode);
            return exitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger);
            return MigratorExitCodes.Failed;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogFailed(logger, exception, command);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            return MigratorExitCodes.Failed;
        }
    }

    private async Task<int> MigrateAsync(BoDbContext db, CancellationToken cancellationToken)
    {
        if (!await WaitForServerAsync(cancellationToken))
        {
            await CreateDatabaseAsync(cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            var before = await db.Database.GetStatusAsync(cancellationToken);
            if (before.Pending.Count == 0)
            {
                LogNothingToApply(logger, before.LastApplied ?? "(none)");
                return MigratorExitCodes.Success;
            }

            LogApplying(logger, before.Pending.Count, before.Pending);
            var started = timeProvider.GetTimestamp();
            try
            {
                await db.Database.MigrateExclusivelyAsync(cancellationToken);
            }
            catch (PostgresException exception) when (attempt < MaxMigrateAttempts && IsConcurrentCreation(exception))
            {
                // Migrators of this build wait for each other; this is for another tool (`dotnet ef
                // database update`, an older migrator) creating the schema or the history table at
                // the same moment ("IF NOT EXISTS" is not atomic): the next attempt finds both.
                LogConcurrentCreation(logger, exception.MessageText);
                continue;
            }

            var elapsed = timeProvider.GetElapsedTime(started);
            var after = await db.Database.GetStatusAsync(cancellationToken);
            LogApplied(logger, after.LastApplied ?? "(none)", elapsed.TotalMilliseconds);
            return MigratorExitCodes.Success;
        }
    }

    private async Task<int> CheckAsync(BoDbContext db, CancellationToken cancellationToken)
    {
        var status = await WaitForServerAsync(cancellationToken)
            ? await db.Database.GetStatusAsync(cancellationToken)
            : new BoSchemaStatus([], db.Database.GetMigrations().ToList(), BoSchema.LatestMigrationId);
        if (status.Pending.Count > 0)
        {
            LogPending(logger, status.Pending.Count, status.Pending);
            return MigratorExitCodes.PendingMigrations;
        }

        if (!status.IsCurrent)
        {
            // Nothing this build can apply; the services of this build will report unready.
            LogAhead(logger, status.LastApplied ?? "(none)", status.Expected);
        }
        else
        {
            LogUpToDate(logger, status.Expected);
        }

        return MigratorExitCodes.Success;
    }

    private static int WriteScript(BoDbContext db)
    {
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Console.Out.Write(script);
        Console.Out.Flush();
        return MigratorExitCodes.Success;
    }

    /// <summary>
    /// The AppHost starts the migrator together with PostgreSQL, and a deployment may run it while a
    /// restarted server recovers: wait a bounded time for the server instead of failing at once.
    /// </summary>
    /// <returns>Whether the database exists.</returns>
    private async Task<bool> WaitForServerAsync(CancellationToken cancellationToken)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var target = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var timeout = options.Value.ConnectTimeout;
        var started = timeProvider.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                if (attempt > 1)
                {
                    var waited = timeProvider.GetElapsedTime(started);
                    LogServerReady(logger, target.Host, target.Port, waited.TotalSeconds);
                }

                return true;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                LogDatabaseMissing(logger, target.Database, target.Host, target.Port);
                return false;
            }
            catch (NpgsqlException exception) when (IsTransient(exception))
            {
                var elapsed = timeProvider.GetElapsedTime(started);
                if (elapsed + RetryDelay > timeout)
                {
                    throw new TimeoutException(
                        $"PostgreSQL at {target.Host}:{target.Port} did not accept connections within {timeout.TotalSeconds:0} s "
                        + $"(Migrator:ConnectTimeout): {exception.Message}",
                        exception);
                }

                LogWaitingForServer(logger, target.Host, target.Port, attempt, elapsed.TotalSeconds, timeout.TotalSeconds, exception.Message);
                await Task.Delay(RetryDelay, timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Created here rather than by EF Core, so that two migrators racing on a missing database both
    /// succeed (the loser sees "already exists").
    /// </summary>
    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        // The data source's own connection string no longer holds the password: start from the configured one.
        var configured = services.GetRequiredService<MigrationTarget>().ConnectionString;
        var target = new NpgsqlConnectionStringBuilder(configured);
        // Named like the migrator's pooled sessions (the data source resolved the name), so that an
        // operator watching pg_stat_activity sees who is creating the database.
        var sessionName = new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString).ApplicationName;
        var maintenance = new NpgsqlConnectionStringBuilder(configured) { Database = "postgres", Pooling = false, ApplicationName = sessionName };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var quoted = "\"" + target.Database!.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var command = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            LogDatabaseCreated(logger, target.Database);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another migrator created it meanwhile.
        }
    }

    private static bool IsConcurrentCreation(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.UniqueViolation
            or PostgresErrorCodes.DuplicateSchema
            or PostgresErrorCodes.DuplicateTable
            or PostgresErrorCodes.DuplicateObject;

    private static bool IsTransient(NpgsqlException exception) =>
        exception.IsTransient
        || exception is PostgresException
        {
            SqlState: PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.TooManyConnections,
        };

    [LoggerMessage(Level = LogLevel.Error, Message = "No connection string: set ConnectionStrings:{Name} (environment variable ConnectionStrings__{Name})")]
    private static partial void LogMissingConnectionString(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for PostgreSQL at {Host}:{Port} (attempt {Attempt}, {ElapsedSeconds:0} s of {TimeoutSeconds:0} s): {Reason}")]
    private static partial void LogWaitingForServer(ILogger logger, string? host, int port, int attempt, double elapsedSeconds, double timeoutSeconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL at {Host}:{Port} is accepting connections after {ElapsedSeconds:0.0} s")]
    private static partial void LogServerReady(ILogger logger, string? host, int port, double elapsedSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Database} does not exist on {Host}:{Port}")]
    private static partial void LogDatabaseMissing(ILogger logger, string? database, string? host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    private static partial void LogDatabaseCreated(ILogger logger, string? database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another migrator is creating the schema concurrently ({Reason}); retrying")]
    private static partial void LogConcurrentCreation(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema already at {MigrationId}; nothing to apply")]
    private static partial void LogNothingToApply(ILogger logger, string migrationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s): {Migrations}")]
    private static partial void LogApplying(ILogger logger, int count, IReadOnlyList<string> migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema at {MigrationId} ({ElapsedMilliseconds:0} ms)")]
    private static partial void LogApplied(ILogger logger, string migrationId, double elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} pending migration(s): {Migrations}")]
    private static partial void LogPending(ILogger logger, int count, IReadOnlyList<string> migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is up to date at {MigrationId}")]
    private static partial void LogUpToDate(ILogger logger, string migrationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema is at {LastApplied}, newer than this build's {Expected}; nothing to apply")]
    private static partial void LogAhead(ILogger logger, string lastApplied, string expected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrator command {Command} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, MigratorCommand command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migrator stopped before finishing")]
    private static partial void LogCancelled(ILogger logger);
}
