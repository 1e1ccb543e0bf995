using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Backoffice.Simulator.Producing;

/// <summary>The two topics the simulator writes to.</summary>
public sealed record SimulatorTopics(string Ledger, string PaymentOrder)
{
    public string For(StreamKind stream) => stream == StreamKind.Ledger ? Ledger : PaymentOrder;

    /// <summary>The default topics of a profile (§1).</summary>
    public static SimulatorTopics ForProfile(string profile) => profile switch
    {
        "local" => new("bo.ledger-entries.v1", "bo.payment-orders.v1"),
        "cloud-test" or "cloud-secure" => new("ledger-entries", "payment-orders"),
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown Kafka profile (expected local, cloud-test or cloud-secure)."),
    };

    public IReadOnlyDictionary<string, string> ByStreamName => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [StreamKind.Ledger.Name()] = Ledger,
        [StreamKind.PaymentOrder.Name()] = PaymentOrder,
    };
}

/// <summary>Producer settings for simulated traffic.</summary>
public static partial class SimulatorKafka
{
    public static IProducer<string, byte[]?> CreateProducer(ProducerConfig config, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("Backoffice.Simulator.Kafka");
        return new ProducerBuilder<string, byte[]?>(config)
            .SetLogHandler((_, m) => LogClientMessage(logger, m.Facility, m.Message))
            .SetErrorHandler((_, e) => LogClientError(logger, e.Code, e.Reason))
            .Build();
    }

    /// <summary>
    /// Idempotent (no duplicates or reordering from retries, so the oracle's message set is exactly
    /// what the broker holds), acks=all, and batching tuned for bulk loads: the benchmarks pre-load a
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "librdkafka [{Facility}] {Text}")]
    private static partial void LogClientMessage(ILogger logger, string facility, string text);

    // librdkafka reconnects by itself; these are worth seeing but not fatal.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason}")]
    private static partial void LogClientError(ILogger logger, ErrorCode code, string reason);
}
