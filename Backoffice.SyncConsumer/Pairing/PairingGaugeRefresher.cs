using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Backoffice.SyncConsumer.Pairing;

/// <summary>Reads the pairing gauges every <see cref="PairingOptions.GaugeRefreshInterval"/>, so scrapes never query the database.</summary>
public sealed partial class PairingGaugeRefresher(
    NpgsqlDataSource dataSource,
    PairingGauges gauges,
    IOptions<PairingOptions> options,
    TimeProvider timeProvider,
    ILogger<PairingGaugeRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.GaugeRefreshInterval, timeProvider);
        do
        {
            try
            {
                var (incomplete, stale) = await PairGauges.ReadAsync(dataSource, options.Value.StaleAfter, stoppingToken);
                gauges.Set(incomplete, stale);
            }
            catch (NpgsqlException ex)
            {
                // The gauges keep their last value; the write path reports the database's health.
                LogRefreshFailed(ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not refresh the pairing gauges: {Reason}")]
    private partial void LogRefreshFailed(string reason);
}
