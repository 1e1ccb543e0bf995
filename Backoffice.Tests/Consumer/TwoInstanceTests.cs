using Backoffice.Data.Pairing;
using Backoffice.SyncConsumer.Telemetry;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backoffice.Tests.Consumer;

/// <summary>Two consumer instances in one group (§4, §5): partitions are shared, and legs written at the same moment still pair.</summary>
public sealed class TwoInstanceTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Legs_of_many_payments_consumed_by_two_instances_on_different_partitions_all_end_complete()
    {
        const int payments = 300;
        // 6 + 1 partitions: a balanced assignment gives each instance some ledger partitions.
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 6, orderPartitions: 1);
        await using var first = new ConsumerHost(settings).Start();
        await using var second = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        int[] firstPartitions = [], secondPartitions = [];
        await Eventually.Holds(() =>
        {
            firstPartitions = LedgerPartitions(first, settings.LedgerTopic);
            secondPartitions = LedgerPartitions(second, settings.LedgerTopic);
            Assert.NotEmpty(firstPartitions);
            Assert.NotEmpty(secondPartitions);
            Assert.Equal(6, firstPartitions.Length + secondPartitions.Length);
        });

        // The PAYMENT leg goes to a partition of one instance and the RECEIVE leg to a partition of
        // the other, back to back, so both transactions race on the same pair.
        var id = Guid.NewGuid().ToString("N")[..8];
        var sends = Enumerable.Range(0, payments).SelectMany(i => new[]
        {
            producer.SendAsync(settings.LedgerTopic, $"{id}-{i}-p", Json.Ledger($"{id}-{i}-p", "PAYMENT", "7", $"po-{id}-{i}"), partition: firstPartitions[i % firstPartitions.Length]),
            producer.SendAsync(settings.LedgerTopic, $"{id}-{i}-r", Json.Ledger($"{id}-{i}-r", "RECEIVE", "7", $"po-{id}-{i}"), partition: secondPartitions[i % secondPartitions.Length]),
        });
        await Task.WhenAll(sends);

        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            var complete = await db.PaymentLedgerPairs.CountAsync(p => p.RelatedId.StartsWith($"po-{id}-") && p.PairingStatus == PairingStatuses.Complete, TestContext.Current.CancellationToken);
            Assert.Equal(payments, complete);
        }, TimeSpan.FromSeconds(60));
        await Eventually.Holds(() =>
        {
            Assert.Equal(payments, first.Messages("ledger", "upserted"));
            Assert.Equal(payments, second.Messages("ledger", "upserted"));
        });
    }

    private static int[] LedgerPartitions(ConsumerHost host, string topic) =>
        [.. host.Services.GetRequiredService<KafkaLagTracker>().Partitions.Where(p => p.Topic == topic).Select(p => p.Partition).Order()];
}
