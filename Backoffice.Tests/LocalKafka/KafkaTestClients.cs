using System.Diagnostics;
using Confluent.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>Confluent.Kafka clients configured the way the Backoffice uses them, tuned for quick tests.</summary>
internal static class KafkaTestClients
{
    /// <summary>
    /// Per-test limit: a client waiting on a broker that never answers would otherwise hang the run
    /// (message.timeout.ms defaults to 5 minutes).
    /// </summary>
    public const int TestTimeoutMs = 60_000;

    public static ProducerConfig IdempotentProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        // Come back quickly after an injected outage instead of backing off to 10 s.
        ReconnectBackoffMaxMs = 500,
    };

    /// <summary>The Sync Consumer's settings: cooperative-sticky group, manual offset store and commit.</summary>
    public static ConsumerConfig GroupConsumerConfig(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // The mock coordinator holds every rebalance after a member leaves for session.timeout.ms
        // minus 1 s (a real broker answers at once); a short session keeps the tests quick.
        HeartbeatIntervalMs = 500,
        SessionTimeoutMs = 3000,
        ReconnectBackoffMaxMs = 500,
    };

    public static IProducer<string, string> Producer(ProducerConfig config) =>
        new ProducerBuilder<string, string>(config).SetLogHandler(LogTo(TestContext.Current.TestOutputHelper)).Build();

    public static IConsumer<string, string> Consumer(ConsumerConfig config, Action<Error>? onError = null) =>
        new ConsumerBuilder<string, string>(config)
            .SetLogHandler(LogTo(TestContext.Current.TestOutputHelper))
            .SetErrorHandler((_, error) => onError?.Invoke(error))
            .Build();

    /// <summary>Produces every value (key = value) and waits for all delivery reports.</summary>
    public static async Task ProduceAllAsync(IProducer<string, string> producer, string topic, IEnumerable<string> values, CancellationToken cancellationToken)
    {
        var deliveries = values
            .Select(v => producer.ProduceAsync(topic, new Message<string, string> { Key = v, Value = v }, cancellationToken))
            .ToList();
        await Task.WhenAll(deliveries);
    }

    /// <summary>Consumes exactly <paramref name="count"/> messages or fails after <paramref name="timeout"/>.</summary>
    public static List<ConsumeResult<string, string>> Consume(IConsumer<string, string> consumer, int count, TimeSpan timeout)
    {
        var results = new List<ConsumeResult<string, string>>(count);
        var clock = Stopwatch.StartNew();
        while (results.Count < count)
        {
            Assert.True(clock.Elapsed < timeout, $"Consumed {results.Count} of {count} messages in {timeout}.");
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>Total messages in the topic's logs: the sum of its partitions' high watermarks.</summary>
    public static long MessagesInTopic(IConsumer<string, string> consumer, string topic, int partitions) =>
        Enumerable.Range(0, partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value);

    private static Action<IClient, LogMessage> LogTo(ITestOutputHelper? output) => (_, message) =>
    {
        if (output is null || message.Level > SyslogLevel.Warning)
        {
            return;
        }

        try
        {
            output.WriteLine($"librdkafka {message.Level} {message.Facility}: {message.Message}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output is closed.
        }
    };
}
