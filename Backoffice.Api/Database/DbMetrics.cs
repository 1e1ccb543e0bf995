using System.Diagnostics.Metrics;
using Backoffice.Api.Limits;
using Backoffice.Api.Telemetry;

namespace Backoffice.Api.Database;

/// <summary>Names of the <c>query</c> label: one per query the API runs.</summary>
public static class DbQueries
{
    public const string GetTx = "get_tx";
    public const string GetPaymentOrder = "get_payment_order";
    public const string ListWalletTx = "list_wallet_tx";
    public const string InsertAudit = "insert_audit";
}

/// <summary>
/// <c>db_query_latency_seconds{query}</c> and <c>db_queries_total{query,outcome}</c> per named
/// query; <c>db_pool_connections_{idle,busy,max}</c> and <c>db_replication_lag_seconds</c> from the
/// last sample taken by <see cref="DatabaseSampler"/> (scrapes never touch the database).
/// </summary>
public sealed class DbMetrics
{
    public const string Success = "success";
    public const string Error = "error";
    public const string Cancelled = "cancelled";
    public const string Timeout = "timeout";

    private readonly Histogram<double> _latency;
    private readonly Counter<long> _queries;
    private readonly TimeProvider _timeProvider;
    // Replaced whole by the sampler, read by scrapes.
    private volatile DatabaseSample _sample = DatabaseSample.None;

    public DbMetrics(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        var meter = meterFactory.Create(ApiMetrics.MeterName);
        _latency = meter.CreateHistogram(
            "db_query_latency_seconds",
            unit: "s",
            description: "Latency of the API's database queries, by query name.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ApiMetrics.LatencyBucketsSeconds });
        _queries = meter.CreateCounter<long>(
            "db_queries_total", description: "Database queries by query name and outcome (success, error, cancelled, timeout).");
        meter.CreateObservableGauge("db_pool_connections_idle", () => Observe(_sample.Idle),
            description: "Idle connections in the API's Npgsql pool.");
        meter.CreateObservableGauge("db_pool_connections_busy", () => Observe(_sample.Busy),
            description: "Connections of the API's Npgsql pool in use.");
        meter.CreateObservableGauge("db_pool_connections_max", () => Observe(_sample.Max),
            description: "Maximum size of the API's Npgsql pool.");
        meter.CreateObservableGauge("db_replication_lag_seconds", () => Observe(_sample.ReplicationLagSeconds),
            unit: "s", description: "Replay lag of the database the API reads; 0 on a primary.");
    }

    public void Update(DatabaseSample sample) => _sample = sample;

    /// <summary>Runs one named query and records its latency and outcome.</summary>
    /// <param name="state">Passed to <paramref name="run"/>, so a static lambda needs no closure per call.</param>
    public async Task<T> MeasureAsync<TState, T>(
        string query, TState state, Func<TState, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var outcome = Error;
        try
        {
            var result = await run(state, cancellationToken);
            outcome = Success;
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = Cancelled;
            throw;
        }
        catch (Exception exception) when (QueryTimeouts.IsTimeout(exception))
        {
            outcome = Timeout;
            throw;
        }
        finally
        {
            var tags = new KeyValuePair<string, object?>("query", query);
            _latency.Record(_timeProvider.GetElapsedTime(started).TotalSeconds, tags);
            _queries.Add(1, tags, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static IEnumerable<Measurement<T>> Observe<T>(T? value) where T : struct =>
        value is { } v ? [new Measurement<T>(v)] : [];
}

/// <summary>One sample of the pool and the replica lag; null until first measured.</summary>
public sealed record DatabaseSample(long? Idle, long? Busy, long? Max, double? ReplicationLagSeconds)
{
    public static DatabaseSample None { get; } = new(null, null, null, null);
}
