using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;

namespace Backoffice.Simulator.Producing;

/// <summary>The two topics the simulator writes to.</summary>
public sealed record SimulatorTopics(string Ledger, string PaymentOrder)
{
    public string For(StreamKind stream) => stream == StreamKind.Ledger ? Ledger : PaymentOrder;

    public IReadOnlyDictionary<string, string> ByStreamName => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [KafkaStreams.Ledger] = Ledger,
        [KafkaStreams.PaymentOrder] = PaymentOrder,
    };

    public static SimulatorTopics From(KafkaProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new(profile.TopicOf(KafkaStreams.Ledger), profile.TopicOf(KafkaStreams.PaymentOrder));
    }
}

/// <summary>Producer settings for simulated traffic; the profile (bootstrap servers, security) is applied by <c>Backoffice.Kafka</c>.</summary>
public static class SimulatorKafka
{
    /// <summary>
    /// Idempotent with acks=all (no duplicates or reordering from retries, so the broker holds exactly
    /// the messages the oracle counts), and batching tuned for bulk loads: the benchmarks pre-load a
    /// million messages. Delivery reports carry only the position, not copies of key and value.
    /// </summary>
    public static void ApplyProducerDefaults(ProducerConfig config, bool bulk)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.LingerMs = bulk ? 20 : 5;
        config.BatchNumMessages = 10_000;
        config.BatchSize = 1_000_000;
        config.QueueBufferingMaxMessages = 500_000;
        config.DeliveryReportFields = "status";
        config.ClientId ??= "backoffice-simulator";
        // The Java client's partitioner, as an upstream service would use.
        config.Partitioner = Partitioner.Murmur2Random;
    }
}
