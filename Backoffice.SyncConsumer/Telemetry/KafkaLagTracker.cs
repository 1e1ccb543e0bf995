using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Backoffice.SyncConsumer.Telemetry;

/// <summary>
/// <c>consumer_kafka_lag{topic,partition}</c>: the worker stores each assigned partition's cached high
/// watermark and last committed offset; scrapes read the difference without touching the broker.
/// </summary>
public sealed class KafkaLagTracker
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), Entry> _partitions = new();

    public void Assigned(string topic, int partition) => _partitions.TryAdd((topic, partition), new Entry(null, null));

    public void Removed(string topic, int partition) => _partitions.TryRemove((topic, partition), out _);

    public void Committed(string topic, int partition, long offset) =>
        _partitions.AddOrUpdate((topic, partition), _ => new Entry(null, offset), (_, e) => e with { Committed = offset });

    public void HighWatermark(string topic, int partition, long offset) =>
        _partitions.AddOrUpdate((topic, partition), _ => new Entry(offset, null), (_, e) => e with { High = offset });

    /// <summary>The partitions this instance owns right now.</summary>
    public IReadOnlyCollection<(string Topic, int Partition)> Partitions => [.. _partitions.Keys];

    public bool HasCommitted(string topic, int partition) =>
        _partitions.TryGetValue((topic, partition), out var e) && e.Committed is not null;

    public IEnumerable<Measurement<long>> Observe()
    {
        foreach (var ((topic, partition), entry) in _partitions)
        {
            if (entry is { High: { } high, Committed: { } committed })
            {
                yield return new Measurement<long>(Math.Max(0, high - committed), new("topic", topic), new("partition", partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }

    private sealed record Entry(long? High, long? Committed);
}
