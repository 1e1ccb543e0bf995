using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Backoffice.Tests.Consumer;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

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

        await using var dataSource = NpgsqlDataSource.Create(database);
        Assert.Equal(expected.LedgerEntries, await LedgerEntriesAsync(dataSource));
        Assert.Equal(expected.PaymentOrders, await PaymentOrdersAsync(dataSource));
        Assert.Equal(expected.Pairs, await PairsAsync(dataSource));
        Assert.Equal(expected.Dlq.Select(d => (d.Position!.Topic, d.Position.Partition, d.Position.Offset, d.Stream, d.Key, d.ErrorCode)).Order(), await DlqRowsAsync(dataSource));
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

    private static Task<List<ExpectedLedgerEntry>> LedgerEntriesAsync(NpgsqlDataSource dataSource) => QueryAsync(dataSource, """
        SELECT tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status, occurred_at, updated_at, source_version, event_id
        FROM bo.ledger_entries ORDER BY tx_id COLLATE "C"
        """, r => new ExpectedLedgerEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7),
            Time(r, 8), Time(r, 9), Long(r, 10), Text(r, 11)));

    private static Task<List<ExpectedPaymentOrder>> PaymentOrdersAsync(NpgsqlDataSource dataSource) => QueryAsync(dataSource, """
        SELECT order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at, source_version, event_id
        FROM bo.payment_orders ORDER BY order_id COLLATE "C"
        """, r => new ExpectedPaymentOrder(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetDecimal(2), Text(r, 3), Text(r, 4), Text(r, 5),
            Time(r, 6), Time(r, 7), Long(r, 8), Text(r, 9)));

    private static Task<List<ExpectedPair>> PairsAsync(NpgsqlDataSource dataSource) => QueryAsync(dataSource, """
        SELECT related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id, payment_amount, receive_amount, currency, leg_count
        FROM bo.payment_ledger_pairs ORDER BY related_id COLLATE "C"
        """, r => new ExpectedPair(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5),
            r.IsDBNull(6) ? null : r.GetDecimal(6), r.IsDBNull(7) ? null : r.GetDecimal(7), Text(r, 8), r.GetInt32(9)));

    private static async Task<List<(string, int, long, string, string, string)>> DlqRowsAsync(NpgsqlDataSource dataSource) =>
        (await QueryAsync(dataSource, "SELECT topic, partition, \"offset\", stream, convert_from(message_key, 'UTF8'), error_code FROM bo.consumer_dlq_events",
            r => (r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5)))).Order().ToList();

    private static async Task<List<T>> QueryAsync<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetDateTime(i), TimeSpan.Zero);
}
