using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Backoffice.Tests.Consumer;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Tests.Simulator;

/// <summary>
/// The oracle and the consumer, written independently from the contract, agree: simulated traffic
/// drained by the real consumer leaves exactly the expected rows, pairs and DLQ rows. (The chaos
/// versions of this check, with crashes and faults, belong to the reliability suite.)
/// </summary>
public sealed class ConsumerMatchesOracleTests(PostgresServerFixture postgres, KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task The_consumer_converges_to_the_oracle_of_simulated_traffic()
    {
        var database = await postgres.CreateDatabaseAsync("simulator-oracle", TestContext.Current.CancellationToken);
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database);
        var topics = new SimulatorTopics(settings.LedgerTopic, settings.OrderTopic);
        var messages = new TrafficGenerator(new TrafficOptions
        {
            Seed = 31, Payments = 1_000, MalformedShare = 0.03, TombstoneShare = 0.01, StartTime = DateTimeOffset.UtcNow.AddMinutes(-5),
        }).Generate().ToList();
        var deliveries = new DeliveryLog();
        await ProduceAsync(topics, messages, deliveries);
        var oracle = new OracleBuilder();
        oracle.AddRange(messages);
        var expected = oracle.Build(deliveries.PositionOf);

        await using var host = new ConsumerHost(settings).Start();
        await Eventually.Holds(() => Assert.Equal(messages.Count, host.MessagesTotal()), TimeSpan.FromSeconds(60));

        await OracleAssert.MatchesAsync(expected, database);
        foreach (var (stream, counts) in expected.Counts.ByStream)
        {
            // The accounting invariant, per stream, with the oracle's order-independent totals.
            Assert.Equal(counts.Valid, host.Messages(stream, "upserted") + host.Messages(stream, "stale") + host.Messages(stream, "duplicate"));
            Assert.Equal((counts.Dlq, counts.Skipped), (host.Messages(stream, "dlq"), host.Messages(stream, "skipped")));
        }
    }

    private async Task ProduceAsync(SimulatorTopics topics, List<SimulatedMessage> messages, DeliveryLog deliveries)
    {
        var config = new ProducerConfig();
        SimulatorKafka.ApplyProducerDefaults(config, bulk: true);
        var profile = new KafkaProfile(KafkaProfiles.Local, kafka.BootstrapServers, topics.ByStreamName);
        using var producer = new KafkaClientFactory(profile, NullLoggerFactory.Instance).CreateProducerBuilder<string, byte[]?>(config).Build();
        var summary = await new SimulatorProducer(producer, topics.For, TimeProvider.System, NullLogger<SimulatorProducer>.Instance)
            .ProduceAsync(messages, ProducePacing.Unpaced, deliveries, TestContext.Current.CancellationToken);
        Assert.Equal(messages.Count, summary.Delivered);
    }
}
