using Backoffice.Chaos.Environment;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Chaos.Traffic;

/// <summary>
/// Simulated traffic as produced: the oracle of the exact messages that reached the broker (with
/// the position of every bad message), and where each partition ended.
/// </summary>
public sealed record ProducedTraffic(
    ExpectedState Expected,
    long Messages,
    long Payments,
    IReadOnlyDictionary<TopicPartition, long> EndOffsets,
    TimeSpan Elapsed,
    int BrokerCopies)
{
    /// <summary>Malformed messages produced (copies the broker appended twice not included).</summary>
    public long BadMessages => Expected.Counts.Dlq;

    public long Tombstones => Expected.Counts.Skipped;

    /// <summary>
    /// Simulated payments (ids from <paramref name="seed"/>): as fast as the broker takes them when
    /// <paramref name="eventsPerSecond"/> is 0, else paced, each message when the wall clock reaches
    /// its simulated time (so event times follow produce times). <paramref name="onEnqueued"/> sees
    /// each message as it is handed to the producer. <paramref name="keepsEverything"/>: fail when the
    /// mock broker dropped old messages (a long soak expects it, and only needs them consumed in time).
    /// </summary>
    public static async Task<ProducedTraffic> ProduceAsync(
        ChaosEnvironment environment,
        ChaosTopics topics,
        long seed,
        long events,
        double eventsPerSecond = 0,
        Action<SimulatedMessage>? onEnqueued = null,
        bool keepsEverything = true,
        CancellationToken cancellationToken = default)
    {
        var started = environment.Timeline.Elapsed;
        // Unpaced, the simulated clock runs at 5,000 events/s and ends about now (as the simulator's CLI does).
        var simulatedRate = eventsPerSecond > 0 ? eventsPerSecond : 5_000;
        var options = new TrafficOptions
        {
            Seed = seed,
            EventsPerSecond = simulatedRate,
            StartTime = eventsPerSecond > 0 ? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow.AddSeconds(-events / simulatedRate),
        };
        var oracle = new OracleBuilder();
        long count = 0;
        long payments = 0;
        var messages = new TrafficGenerator(options).Generate(stopAfterMessages: events).Select(m =>
        {
            oracle.Add(m);
            count++;
            payments = Math.Max(payments, m.Payment?.Number ?? 0);
            onEnqueued?.Invoke(m);
            return m;
        });

        var simulatorTopics = new SimulatorTopics(topics.Ledger, topics.PaymentOrder);
        var profile = new KafkaProfile(KafkaProfiles.Local, environment.Kafka.BootstrapServers, simulatorTopics.ByStreamName);
        var config = new ProducerConfig();
        // Live traffic keeps the short linger of a service producer: it counts towards freshness.
        SimulatorKafka.ApplyProducerDefaults(config, bulk: eventsPerSecond == 0);
        using var producer = new KafkaClientFactory(profile, NullLoggerFactory.Instance).CreateProducerBuilder<string, byte[]?>(config).Build();
        var deliveries = new DeliveryLog();
        var summary = await new SimulatorProducer(producer, simulatorTopics.For, TimeProvider.System, NullLogger<SimulatorProducer>.Instance)
        {
            FlushTimeout = TimeSpan.FromMinutes(5),
        }.ProduceAsync(messages, eventsPerSecond > 0 ? ProducePacing.EventTime : ProducePacing.Unpaced, deliveries, cancellationToken);
        if (summary.Delivered != count)
        {
            throw new InvalidOperationException($"Only {summary.Delivered} of {count} simulated messages were delivered ({summary.FirstError ?? "flush timed out"}).");
        }

        var endOffsets = ReadEndOffsets(environment.Kafka.BootstrapServers, topics, keepsEverything);
        var expected = oracle.Build(deliveries.PositionOf);
        var copies = 0;
        if (keepsEverything && endOffsets.Values.Sum() != count)
        {
            var copied = BrokerLog.FindCopies(environment.Kafka.BootstrapServers, endOffsets);
            expected = BrokerLog.WithCopies(expected, copied);
            copies = endOffsets.Values.Sum() > count ? (int)(endOffsets.Values.Sum() - count) : 0;
            environment.Timeline.Note($"the broker holds {endOffsets.Values.Sum()} records for {count} messages: {copied.Count} positions hold a record appended more than once");
        }

        environment.Timeline.Note($"produced {count} messages of {payments} payments ({expected.Counts.Dlq} malformed) to {topics.Partitions} partitions per topic");
        return new ProducedTraffic(expected, count, payments, endOffsets, environment.Timeline.Elapsed - started, copies);
    }

    /// <summary>
    /// The high watermark of every partition. With <paramref name="keepsEverything"/>, fails when a
    /// partition's log no longer starts at 0: the mock broker keeps at most 5 MB per partition and
    /// silently drops the oldest beyond that, which would look like loss (use more partitions).
    /// </summary>
    public static Dictionary<TopicPartition, long> ReadEndOffsets(string bootstrapServers, ChaosTopics topics, bool keepsEverything = true)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "chaos-watermarks" })
            .SetLogHandler((_, _) => { })
            .Build();
        var offsets = new Dictionary<TopicPartition, long>();
        foreach (var topic in topics.All)
        {
            for (var partition = 0; partition < topics.Partitions; partition++)
            {
                var tp = new TopicPartition(topic, partition);
                var watermarks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                if (keepsEverything && watermarks.Low.Value != 0)
                {
                    throw new InvalidOperationException(
                        $"{tp} starts at offset {watermarks.Low.Value}: the mock broker dropped the oldest messages (5 MB per partition at most). Use more partitions.");
                }

                offsets[tp] = watermarks.High.Value;
            }
        }

        return offsets;
    }
}
