using Microsoft.Extensions.Options;
using Npgsql;

namespace Backoffice.Api.Database;

/// <summary>
/// Samples the pool gauges and <c>db_replication_lag_seconds</c> in the background, so neither a
/// request nor a scrape pays for a query: the lag is <c>now() - pg_last_xact_replay_timestamp()</c>
/// when the server is in recovery (a replica), and 0 on a primary.
/// </summary>
internal sealed partial class DatabaseSampler(
    NpgsqlDataSource dataSource,
    DbMetrics metrics,
    IOptions<DatabaseOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseSampler> logger) : BackgroundService
{
    private const string ReplicationLagSql =
        "SELECT CASE WHEN pg_is_in_recovery() "
        + "THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 "
        + "ELSE 0::float8 END";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var pool = new NpgsqlPoolStatistics(dataSource);
        using var timer = new PeriodicTimer(options.Value.SampleInterval, timeProvider);
        do
        {
            var lag = await SampleReplicationLagAsync(stoppingToken);
            var poolSample = pool.Sample();
            metrics.Update(new DatabaseSample(poolSample?.Idle, poolSample?.Busy, poolSample?.Max, lag));
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<double?> SampleReplicationLagAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(ReplicationLagSql);
            return (double)(await command.ExecuteScalarAsync(stoppingToken))!;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // An unknown lag is reported as no sample rather than a stale figure.
            LogSampleFailed(logger, exception);
            return null;
        }
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Could not sample the database replication lag")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
