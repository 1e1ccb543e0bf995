using System.Diagnostics.Metrics;
using Npgsql;

namespace Backoffice.Api.Database;

/// <summary>
/// Reads the pool figures Npgsql publishes on its own <c>Npgsql</c> meter
/// (<c>db.client.connection.count{state=idle|used}</c>, <c>db.client.connection.max</c>): Npgsql 10
/// has no public statistics API. Only the measurements of this API's data source are kept; the
/// meter is process-wide and a test host runs several data sources side by side.
/// </summary>
internal sealed class NpgsqlPoolStatistics : IDisposable
{
    private const string NpgsqlMeterName = "Npgsql";
    private const string ConnectionCount = "db.client.connection.count";
    private const string ConnectionMax = "db.client.connection.max";
    private const string PoolNameTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";

    private readonly MeterListener _listener = new();
    private readonly string _poolName;
    private readonly Lock _gate = new();
    private long _idle;
    private long _busy;
    private long? _max;
    private bool _seen;

    public NpgsqlPoolStatistics(NpgsqlDataSource dataSource)
    {
        // Npgsql names a pool after its data source: the configured name, else the connection
        // string without password.
        _poolName = dataSource.ConnectionString;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == NpgsqlMeterName && instrument.Name is ConnectionCount or ConnectionMax)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Idle, busy and maximum connections now, or null before the pool has reported.</summary>
    public (long Idle, long Busy, long? Max)? Sample()
    {
        lock (_gate)
        {
            _idle = 0;
            _busy = 0;
            _max = null;
            _seen = false;
            _listener.RecordObservableInstruments();
            return _seen ? (_idle, _busy, _max) : null;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? pool = null;
        string? state = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case PoolNameTag:
                    pool = tag.Value as string;
                    break;
                case StateTag:
                    state = tag.Value as string;
                    break;
            }
        }

        if (pool != _poolName)
        {
            return;
        }

        _seen = true;
        if (instrument.Name == ConnectionMax)
        {
            _max = value;
        }
        else if (state == "idle")
        {
            _idle += value;
        }
        else
        {
            _busy += value;
        }
    }
}
