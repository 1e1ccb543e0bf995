using Confluent.Kafka;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// One write lane of the consume loop: the messages of its partitions polled but not yet handed to
/// its writer, and the batch its writer is storing. Owned by the poll thread (only the in-flight
/// batch is shared with the writer task).
/// </summary>
internal sealed class WriteLane(int index)
{
    public int Index { get; } = index;

    /// <summary>Polled and normalised messages of this lane's partitions not yet written, in poll order.</summary>
    public List<BatchItem> Polled { get; } = [];

    /// <summary>When the oldest message of <see cref="Polled"/> was polled (its batch window started).</summary>
    public long WindowStartedAt { get; set; }

    /// <summary>The batch this lane's writer is storing, if any.</summary>
    public InFlightBatch? Writing { get; set; }

    /// <summary>This lane's partitions are paused: its next batch is full and its writer slow or retrying.</summary>
    public bool Paused { get; set; }

    /// <summary>The writer gave up at shutdown: nothing more of this lane is written, so no offset passes what it left behind.</summary>
    public bool Stopped { get; set; }

    /// <summary>
    /// The lane of a partition: a pure function of (topic, partition, lane count), so each partition's
    /// batches are written by one lane, one after the other, for as long as the process runs.
    /// </summary>
    public static int Of(TopicPartition partition, int lanes)
    {
        if (lanes == 1)
        {
            return 0;
        }

        // FNV-1a over the topic name (string.GetHashCode differs between processes), plus the
        // partition number, so consecutive partitions of one topic alternate between lanes.
        var hash = 2166136261u;
        foreach (var c in partition.Topic)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)((hash + (uint)partition.Partition.Value) % (uint)lanes);
    }
}
