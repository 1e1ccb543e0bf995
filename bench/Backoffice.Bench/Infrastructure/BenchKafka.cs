using System.Text.Json.Nodes;
using Backoffice.Kafka.Profiles;
using Backoffice.LocalInfra.Kafka;
using Backoffice.Simulator.Producing;
using Confluent.Kafka;

namespace Backoffice.Bench.Infrastructure;

/// <summary>
/// The in-process Kafka-protocol broker (librdkafka's mock cluster) with the local profile's topics,
/// and the checks that make a run valid. The mock keeps at most 100,000 batches or 5 MB per partition
/// and silently drops the oldest beyond that, so every run proves that no partition lost its head.
/// </summary>
public sealed class BenchKafka : IAsyncDisposable
{
    public const string GroupId = "backoffice-sync";

    private BenchKafka(MockKafkaCluster cluster, SimulatorTopics topics, int partitions)
    {
        Cluster = cluster;
        Topics = topics;
        Partitions = partitions;
    }

    public MockKafkaCluster Cluster { get; }

    public SimulatorTopics Topics { get; }

    public int Partitions { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    public IEnumerable<TopicPartition> AllPartitions =>
        new[] { Topics.Ledger, Topics.PaymentOrder }.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(t, p)));

    public static BenchKafka Start(BenchContext context, int partitions)
    {
        var defaults = KafkaProfiles.DefaultTopics(KafkaProfiles.Local);
        var topics = new SimulatorTopics(defaults[KafkaStreams.Ledger], defaults[KafkaStreams.PaymentOrder]);
        var cluster = MockKafkaCluster.Start(new MockKafkaClusterOptions { DefaultPartitions = partitions });
        cluster.CreateTopic(topics.Ledger, partitions);
        cluster.CreateTopic(topics.PaymentOrder, partitions);
        context.Log($"broker (librdkafka {MockKafkaCluster.LibrdkafkaVersion} mock) on {cluster.BootstrapServers}, topics {topics.Ledger} and {topics.PaymentOrder} with {partitions} partitions each");
        return new BenchKafka(cluster, topics, partitions);
    }

    public IProducer<string, byte[]?> CreateProducer(Action<ProducerConfig> configure)
    {
        var config = new ProducerConfig { BootstrapServers = BootstrapServers };
        SimulatorKafka.ApplyProducerDefaults(config, bulk: true);
        configure(config);
        return new ProducerBuilder<string, byte[]?>(config).Build();
    }

    /// <summary>
    /// Low and high watermarks of every partition. Fails loudly when a partition's first offset is
    /// not 0 (the mock dropped its head) or when the topics do not hold exactly <paramref name="expected"/> messages.
    /// </summary>
    public JsonObject VerifyNothingDropped(long expected)
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "bench-watermark-probe",
        }).Build();
        long total = 0;
        var dropped = new List<string>();
        long maxPerPartition = 0;
        foreach (var partition in AllPartitions)
        {
            var watermarks = probe.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            if (watermarks.Low.Value != 0)
            {
                dropped.Add($"{partition.Topic}[{partition.Partition.Value}] starts at {watermarks.Low.Value}");
            }

            total += watermarks.High.Value;
            maxPerPartition = Math.Max(maxPerPartition, watermarks.High.Value);
        }

        if (dropped.Count > 0 || total != expected)
        {
            throw new InvalidOperationException(
                $"INVALID RUN: the broker does not hold what was produced (end offsets sum to {total}, produced {expected}; "
                + $"dropped heads: {(dropped.Count == 0 ? "none" : string.Join(", ", dropped))}). "
                + "The mock keeps at most 5 MB or 100,000 batches per partition: use more partitions or larger, compressed batches.");
        }

        return new JsonObject
        {
            ["partitions"] = Partitions * 2,
            ["end_offsets_sum"] = total,
            ["max_messages_in_a_partition"] = maxPerPartition,
            ["all_first_offsets_zero"] = true,
        };
    }

    /// <summary>Committed offsets of the consumer group, and how many messages they leave unconsumed.</summary>
    public long UncommittedMessages()
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = GroupId,
            EnableAutoCommit = false,
        }).Build();
        var partitions = AllPartitions.ToList();
        var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
        long behind = 0;
        foreach (var partition in partitions)
        {
            var high = probe.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
            var offset = committed.TryGetValue(partition, out var c) && !c.IsSpecial ? c.Value : 0;
            behind += high - offset;
        }

        return behind;
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
