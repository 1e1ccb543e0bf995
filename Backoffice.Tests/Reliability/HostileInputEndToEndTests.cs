using Backoffice.Data.Dlq;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.Tests.Consumer;
using Backoffice.Tests.Infrastructure;
using Backoffice.Tests.Normalisation;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// The hostile corpus (<c>hostile-messages.json</c>) through Kafka into the running consumer: every
/// malformed message becomes exactly one DLQ row with its code at its own topic/partition/offset,
/// the adversarial but valid ones are stored, and the consumer goes on consuming what comes after.
/// </summary>
/// <remarks>
/// In the non-parallel chaos group: OpenTelemetry aggregates instruments by meter name across the
/// process, so disposing this in-process consumer would end the series a parallel test's consumer
/// still exports (<c>TelemetryTests</c>).
/// </remarks>
[Collection(ChaosTestGroup.Name)]
public sealed class HostileInputEndToEndTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    /// <summary>
    /// Valid JSON the normaliser accepts, holding escapes jsonb cannot store (<c>\u0000</c>, lone
    /// surrogates): the write path isolates them as WRITE_REJECTED (spec §2, normaliser decisions).
    /// </summary>
    private static readonly Dictionary<string, string> RefusedByTheDatabase = new(StringComparer.Ordinal)
    {
        ["nul-escape-in-unknown-field"] = DlqErrorCodes.WriteRejected,
        ["unpaired-surrogates-in-unknown-key-and-value"] = DlqErrorCodes.WriteRejected,
    };

    /// <summary>The DLQ code the consumer must store for the message, or null when it must store none.</summary>
    private static string? ExpectedDlqCode(HostileCase corpusCase) =>
        RefusedByTheDatabase.TryGetValue(corpusCase.Name, out var code) ? code : corpusCase.IsAccepted ? null : corpusCase.Expect;

    [Fact]
    public async Task Every_hostile_message_becomes_one_DLQ_row_with_its_code_and_the_consumer_keeps_consuming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Partition 0 takes the corpus; each value above 1 MiB gets a partition of its own (the mock
        // broker keeps 5 MB per partition and would drop what came before).
        var large = HostileCorpus.Cases.Values.Where(c => c.Value?.Length > 1024 * 1024).ToList();
        Assert.All(large, c => Assert.Equal(StreamKind.Ledger, c.Stream));
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 1 + large.Count, orderPartitions: 1);
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new ProducerBuilder<byte[], byte[]?>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            MessageMaxBytes = 16 * 1024 * 1024,
        }).Build();

        var expected = new Dictionary<(string Topic, int Partition, long Offset), string>();
        var sent = new List<(HostileCase Case, TopicPartitionOffset Position)>();
        async Task<TopicPartitionOffset> SendAsync(HostileCase corpusCase)
        {
            var partition = corpusCase.Value?.Length > 1024 * 1024 ? 1 + large.IndexOf(corpusCase) : 0;
            var topic = corpusCase.Stream == StreamKind.Ledger ? settings.LedgerTopic : settings.OrderTopic;
            var delivery = await producer.ProduceAsync(
                new TopicPartition(topic, partition),
                new Message<byte[], byte[]?> { Key = System.Text.Encoding.UTF8.GetBytes($"hostile-{corpusCase.Name}"), Value = corpusCase.Value },
                cancellationToken);
            sent.Add((corpusCase, delivery.TopicPartitionOffset));
            if (ExpectedDlqCode(corpusCase) is { } code)
            {
                expected[(delivery.Topic, delivery.Partition.Value, delivery.Offset.Value)] = code;
            }

            return delivery.TopicPartitionOffset;
        }

        foreach (var corpusCase in HostileCorpus.Cases.Values.Where(c => !RefusedByTheDatabase.ContainsKey(c.Name)))
        {
            await SendAsync(corpusCase);
        }

        // Good messages after the corpus, on the same partitions.
        var id = Guid.NewGuid().ToString("N")[..8];
        using var goodProducer = new TestProducer(kafka.BootstrapServers);
        for (var i = 0; i < 20; i++)
        {
            await goodProducer.SendAsync(settings.LedgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1), partition: 0);
        }

        for (var i = 0; i < 5; i++)
        {
            await goodProducer.SendAsync(settings.OrderTopic, $"po-{id}-{i}", Json.Order($"po-{id}-{i}", "CREATED", version: 1));
        }

        await Eventually.Holds(
            async () =>
            {
                await using var db = database.CreateDbContext();
                Assert.Equal(20, await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith(id), cancellationToken));
                Assert.Equal(5, await db.PaymentOrders.CountAsync(o => o.OrderId.StartsWith($"po-{id}"), cancellationToken));
            },
            TimeSpan.FromSeconds(60));

        // One at a time: in a batch with a later version of the same unversioned tx_id ("t") they would
        // be reduced away before reaching the database (counted stale, as overwritten).
        foreach (var corpusCase in RefusedByTheDatabase.Keys.Select(name => HostileCorpus.Cases[name]))
        {
            var position = await SendAsync(corpusCase);
            await Eventually.Holds(async () =>
            {
                await using var db = database.CreateDbContext();
                Assert.True(await db.ConsumerDlqEvents.AnyAsync(
                    d => d.Topic == position.Topic && d.Partition == position.Partition.Value && d.Offset == position.Offset.Value, cancellationToken));
            });
        }

        await goodProducer.SendAsync(settings.LedgerTopic, $"{id}-last", Json.Ledger($"{id}-last", version: 1), partition: 0);
        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            Assert.True(await db.LedgerEntries.AnyAsync(e => e.TxId == $"{id}-last", cancellationToken));
        });

        // Good messages came after the hostile ones on partition 0: those are done. A hostile message
        // alone on another partition is written by another lane, in its own time.
        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            Assert.True(await db.ConsumerDlqEvents.CountAsync(cancellationToken) >= expected.Count);
        });
        await using var check = database.CreateDbContext();
        var stored = await check.ConsumerDlqEvents.AsNoTracking().ToListAsync(cancellationToken);
        var byPosition = stored.ToDictionary(d => (d.Topic, d.Partition, d.Offset));
        var wrong = sent
            .Select(s => (s.Case.Name, Position: (s.Position.Topic, s.Position.Partition.Value, s.Position.Offset.Value)))
            .Select(s => (s.Name, Expected: expected.GetValueOrDefault(s.Position), Stored: byPosition.GetValueOrDefault(s.Position)))
            .Where(s => s.Expected != s.Stored?.ErrorCode)
            .Select(s => $"{s.Name}: expected {s.Expected ?? "no DLQ row"}, stored {s.Stored?.ErrorCode ?? "no DLQ row"} {s.Stored?.ErrorMessage}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join(System.Environment.NewLine, wrong));
        Assert.Equal(expected.Count, stored.Count);
        Assert.All(stored, row => Assert.Equal(1, row.AttemptCount));
        Assert.True(expected.Count >= 50, $"only {expected.Count} hostile messages were rejected");
        Assert.Equal(
            ["ALIAS_CONFLICT", "CORE_REQUIRED_MISSING", "INVALID_FIELD", "INVALID_JSON", "NOT_AN_OBJECT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_EVENT_TYPE", "UNSUPPORTED_OPERATION", "WRITE_REJECTED"],
            stored.Select(d => d.ErrorCode).Distinct().Order(StringComparer.Ordinal));

        // The adversarial but valid messages are plain data.
        foreach (var txId in new[] { "t", "'; DROP TABLE bo.ledger_entries; --", "t\u202exe.exe" })
        {
            Assert.True(await check.LedgerEntries.AnyAsync(e => e.TxId == txId, cancellationToken), $"ledger entry '{txId}' was not stored");
        }

        Assert.True(await check.PaymentOrders.AnyAsync(o => o.OrderId == "po", cancellationToken));
        Assert.Equal(200, (await host.HealthAsync()).Status);
        await Eventually.Holds(() => Assert.Equal(expected.Count, host.Messages("ledger", "dlq") + host.Messages("payment_order", "dlq")));
    }
}
