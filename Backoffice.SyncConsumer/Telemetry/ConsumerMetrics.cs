using System.Diagnostics.Metrics;

namespace Backoffice.SyncConsumer.Telemetry;

/// <summary>
/// The consumer's instruments (§4, §7). Instrument names are the exposed Prometheus names: counters
/// already end in <c>_total</c> and seconds histograms in <c>_seconds</c> (unit <c>s</c>), so the
/// exporter adds no suffix. Values are recorded only after the transaction that holds their effect commits.
/// </summary>
public sealed class ConsumerMetrics
{
    public const string MeterName = "Backoffice.SyncConsumer";

    /// <summary>
    /// Seconds buckets from 5 ms to a minute (freshness SLO p95 &lt; 5 s), finer between 50 ms and
    /// 500 ms, where a healthy consumer's freshness and batch durations lie, so that quantiles
    /// interpolated there are meaningful (within 25–100 ms rather than 150–250 ms).
    /// </summary>
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Pairing can legitimately wait for the second leg much longer than a message takes.</summary>
    private static readonly double[] PairingBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private static readonly int[] BatchSizeBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly Counter<long> _messages;
    private readonly Histogram<double> _eventLag;
    private readonly Histogram<double> _freshness;
    private readonly Counter<long> _dlq;
    private readonly Counter<long> _aliases;
    private readonly Counter<long> _violations;
    private readonly Counter<long> _versionMissing;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _pairingStatusChanges;
    private readonly Histogram<double> _pairingCompletion;

    public ConsumerMetrics(IMeterFactory meterFactory, KafkaLagTracker kafkaLag, PairingGauges pairingGauges)
    {
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("consumer_messages_total", description: "Messages consumed, by stream and result (upserted, stale, duplicate, dlq, skipped).");
        _eventLag = meter.CreateHistogram("consumer_event_lag_seconds", "s", "DB commit time minus event time (updated_at, else occurred_at/created_at).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _freshness = meter.CreateHistogram("consumer_freshness_seconds", "s", "DB commit time minus Kafka record timestamp (freshness SLO).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableGauge("consumer_kafka_lag", kafkaLag.Observe, description: "High watermark minus committed offset, per assigned partition.");
        _dlq = meter.CreateCounter<long>("consumer_dlq_total", description: "DLQ rows written, by stream and error code.");
        _aliases = meter.CreateCounter<long>("consumer_contract_alias_total", description: "Fields received under an alias instead of the canonical name.");
        _violations = meter.CreateCounter<long>("consumer_contract_violations_total", description: "Messages rejected by the event contract, by error code.");
        _versionMissing = meter.CreateCounter<long>("consumer_version_missing_total", description: "Events with neither updated_at nor source_version (arrival order decides).");
        _batchSize = meter.CreateHistogram("consumer_batch_size", description: "Messages per consumed batch.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBuckets });
        _batchDuration = meter.CreateHistogram("consumer_batch_duration_seconds", "s", "Time to write and commit one batch.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _pairingStatusChanges = meter.CreateCounter<long>("pairing_status_changes_total", description: "Pair status transitions (from NONE for a new pair, to NONE for a removed one).");
        meter.CreateObservableGauge("pairing_incomplete", pairingGauges.ObserveIncomplete, description: "Pairs currently INCOMPLETE.");
        _pairingCompletion = meter.CreateHistogram("pairing_completion_seconds", "s", "completed_at minus first_leg_at of pairs that became COMPLETE.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PairingBuckets });
        meter.CreateObservableGauge("pairing_incomplete_stale", pairingGauges.ObserveIncompleteStale, description: "Pairs INCOMPLETE for longer than Pairing:StaleAfter.");
    }

    public void Message(string stream, string result) =>
        _messages.Add(1, new("stream", stream), new("result", result));

    public void EventLag(string stream, TimeSpan lag) =>
        _eventLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("stream", stream));

    public void Freshness(string stream, TimeSpan freshness) =>
        _freshness.Record(Math.Max(0, freshness.TotalSeconds), new KeyValuePair<string, object?>("stream", stream));

    public void Dlq(string stream, string errorCode) =>
        _dlq.Add(1, new("stream", stream), new("error_code", errorCode));

    public void Alias(string stream, string field, string alias) =>
        _aliases.Add(1, new("stream", stream), new("field", field), new("alias", alias));

    public void ContractViolation(string stream, string errorCode) =>
        _violations.Add(1, new("stream", stream), new("error_code", errorCode));

    public void VersionMissing(string stream) =>
        _versionMissing.Add(1, new KeyValuePair<string, object?>("stream", stream));

    public void Batch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _batchDuration.Record(duration.TotalSeconds);
    }

    public void PairingStatusChange(string from, string to) =>
        _pairingStatusChanges.Add(1, new("from", from), new("to", to));

    public void PairingCompleted(TimeSpan afterFirstLeg) =>
        _pairingCompletion.Record(Math.Max(0, afterFirstLeg.TotalSeconds));
}
