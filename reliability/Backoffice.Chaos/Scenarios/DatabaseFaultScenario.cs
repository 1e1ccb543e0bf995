using System.Diagnostics;
using System.Net;
using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Processes;
using Npgsql;

namespace Backoffice.Chaos.Scenarios;

public sealed record DatabaseFaultOptions : ChaosOptions
{
    public DatabaseFaultOptions() => EventsPerSecond = 1_000;

    /// <summary>How long PostgreSQL stays stopped.</summary>
    public TimeSpan DownFor { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The database's own statement timeout for the whole run (as a DBA would set it).</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the hot tables stay locked: several statement timeouts.</summary>
    public TimeSpan LockFor { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How long the statement timeout is cut to 50 ms.</summary>
    public TimeSpan TightTimeoutFor { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// PostgreSQL misbehaves while traffic flows (paced) and the consumer keeps up: the server is
/// restarted mid-batch (fast shutdown: open transactions abort), the consumer's sessions are
/// terminated by an administrator, the hot tables are locked past the database's statement timeout,
/// and the statement timeout is cut to 50 ms for a while. Every fault must be waited out and retried,
/// never dead-lettered.
/// </summary>
public static class DatabaseFaultScenario
{
    public const string Name = "db-faults";

    public static async Task<ScenarioResult> RunAsync(ChaosEnvironment environment, DatabaseFaultOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var server = environment.Server ?? throw new ArgumentException("Database faults need the PostgreSQL server the run may restart.", nameof(environment));
        var database = new NpgsqlConnectionStringBuilder(environment.Database).Database!;
        var admin = new NpgsqlConnectionStringBuilder(environment.Database) { Database = "postgres", Pooling = false }.ConnectionString;
        var baseline = $"{(int)options.StatementTimeout.TotalMilliseconds}ms";
        await ExecuteAsync(admin, $"ALTER DATABASE {Quote(database)} SET statement_timeout = '{baseline}'", cancellationToken);
        environment.Timeline.Note($"statement_timeout of {database} set to {baseline}");

        await using var run = await ChaosRun.StartAsync(Name, environment, options, null, cancellationToken);
        var consumer = run.Fleet.Start();
        run.StartProducing(cancellationToken);
        long terminated = 0;
        var unhealthySeen = 0;
        for (var cycle = 0; cycle < options.Cycles; cycle++)
        {
            await run.AtProductionShareAsync(cycle, 0.1, cancellationToken);
            await run.RecordFaultAsync("server-restart", $"fast shutdown, down for {options.DownFor.TotalSeconds} s");
            var down = Stopwatch.StartNew();
            await server.StopAsync(cancellationToken);
            if (await BecomesUnhealthyAsync(consumer, options.DownFor * 3, cancellationToken))
            {
                unhealthySeen++;
                run.Timeline.Note($"{consumer.Name} reports unhealthy (503)");
            }

            if (options.DownFor - down.Elapsed is { } rest && rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken);
            }

            await server.StartAsync(cancellationToken);
            run.Timeline.Note("PostgreSQL started again");

            await run.AtProductionShareAsync(cycle, 0.35, cancellationToken);
            var count = await TerminateConsumerSessionsAsync(admin, times: 5, cancellationToken);
            terminated += count;
            await run.RecordFaultAsync("terminate-backend", $"pg_terminate_backend on {count} consumer session(s) (application_name {ConsumerLauncher.ApplicationName})");

            await run.AtProductionShareAsync(cycle, 0.55, cancellationToken);
            await run.RecordFaultAsync("lock-past-statement-timeout", $"bo.ledger_entries and bo.payment_orders locked for {options.LockFor.TotalSeconds} s; statement_timeout {baseline}");
            await HoldLockAsync(environment.Database, options.LockFor, cancellationToken);

            await run.AtProductionShareAsync(cycle, 0.75, cancellationToken);
            await run.RecordFaultAsync("statement-timeout-50ms", $"statement_timeout 50ms for {options.TightTimeoutFor.TotalSeconds} s (sessions terminated so they take it)");
            await ExecuteAsync(admin, $"ALTER DATABASE {Quote(database)} SET statement_timeout = '50ms'", cancellationToken);
            terminated += await TerminateConsumerSessionsAsync(admin, times: 1, cancellationToken);
            await Task.Delay(options.TightTimeoutFor, cancellationToken);
            await ExecuteAsync(admin, $"ALTER DATABASE {Quote(database)} SET statement_timeout = '{baseline}'", cancellationToken);
            terminated += await TerminateConsumerSessionsAsync(admin, times: 1, cancellationToken);
            run.Timeline.Note($"statement_timeout back to {baseline}");
        }

        var log = run.Fleet.OutputCounts();
        if (terminated == 0)
        {
            run.Problem("pg_terminate_backend found no consumer session");
        }

        if (log["statement timeout"] == 0)
        {
            run.Problem("no statement of the consumer ran into the statement timeout");
        }

        return await run.FinishAsync(cancellationToken, new Dictionary<string, object>
        {
            ["sessions_terminated"] = terminated,
            ["unhealthy_during_restart"] = unhealthySeen,
        });
    }

    /// <summary>Polls the consumer's readiness until it reports 503 (a write failed) or <paramref name="timeout"/> passes.</summary>
    private static async Task<bool> BecomesUnhealthyAsync(ServiceProcess consumer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await consumer.GetAsync("/health", cancellationToken) is { Status: HttpStatusCode.ServiceUnavailable })
            {
                return true;
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }

    /// <summary>Terminates every session of the consumer, <paramref name="times"/> times 200 ms apart (reconnections included).</summary>
    private static async Task<long> TerminateConsumerSessionsAsync(string admin, int times, CancellationToken cancellationToken)
    {
        long total = 0;
        for (var i = 0; i < times; i++)
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = ConsumerLauncher.ApplicationName });
            total += (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            if (i < times - 1)
            {
                await Task.Delay(200, cancellationToken);
            }
        }

        return total;
    }

    /// <summary>Holds locks that block the consumer's writes (not reads) on the hot tables for <paramref name="duration"/>.</summary>
    private static async Task HoldLockAsync(string database, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SET LOCAL statement_timeout = 0; LOCK TABLE bo.ledger_entries, bo.payment_orders IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await Task.Delay(duration, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
