using System.Text;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Confluent.Kafka;

namespace Backoffice.Chaos.Traffic;

/// <summary>
/// The broker's log as it really is. During an outage the mock broker can append a batch the
/// idempotent producer sent again (its acknowledgement was lost) a second time: the records exist
/// twice, at two offsets. The consumer must treat a copy like any message — a copy of a bad message
/// is a DLQ row of its own — so the oracle learns about the copies here.
/// </summary>
public static class BrokerLog
{
    /// <summary>Every record appended more than once: the positions of its copies, by the position the producer was told.</summary>
    public static Dictionary<MessagePosition, List<MessagePosition>> FindCopies(string bootstrapServers, IReadOnlyDictionary<TopicPartition, long> endOffsets)
    {
        ArgumentNullException.ThrowIfNull(endOffsets);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "chaos-log-scan",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        var pending = endOffsets.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        consumer.Assign(pending.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        // Every send carries its own traceparent (a fresh trace id), so equal headers mean one record, twice.
        var positionsBySend = new Dictionary<string, List<MessagePosition>>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (pending.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading the broker's log back did not finish ({pending.Count} partitions left).");
            }

            var record = consumer.Consume(TimeSpan.FromSeconds(1));
            if (record is null)
            {
                continue;
            }

            if (record.IsPartitionEOF || record.Offset.Value + 1 >= endOffsets[record.TopicPartition])
            {
                pending.Remove(record.TopicPartition);
                if (record.IsPartitionEOF)
                {
                    continue;
                }
            }

            if (record.Message.Headers.TryGetLastBytes(SimulatorTelemetry.TraceparentHeader, out var traceparent))
            {
                var key = Encoding.ASCII.GetString(traceparent);
                if (!positionsBySend.TryGetValue(key, out var positions))
                {
                    positionsBySend[key] = positions = [];
                }

                positions.Add(new MessagePosition(record.Topic, record.Partition.Value, record.Offset.Value));
            }
        }

        var copies = new Dictionary<MessagePosition, List<MessagePosition>>();
        foreach (var positions in positionsBySend.Values.Where(p => p.Count > 1))
        {
            foreach (var position in positions)
            {
                copies[position] = positions.Where(p => p != position).ToList();
            }
        }

        return copies;
    }

    /// <summary>The oracle with a DLQ row for every copy of a bad message (copies of good ones change no row).</summary>
    public static ExpectedState WithCopies(ExpectedState expected, Dictionary<MessagePosition, List<MessagePosition>> copies)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(copies);
        if (copies.Count == 0)
        {
            return expected;
        }

        var dlq = expected.Dlq
            .SelectMany(d => d.Position is { } position && copies.TryGetValue(position, out var others)
                ? [d, .. others.Select(p => d with { Position = p })]
                : new[] { d })
            .ToList();
        return new ExpectedState(expected.Counts, expected.LedgerEntries, expected.PaymentOrders, expected.Pairs, dlq, expected.Skipped);
    }
}
