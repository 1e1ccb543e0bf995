using Backoffice.LocalInfra.Kafka;
using Backoffice.Tests.Consumer;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// Found by the rebalance chaos run: offset commits refused during a rebalance were never made
/// again, so once the stream went quiet the group's committed offsets stayed behind the database
/// forever (stale <c>consumer_kafka_lag</c>, and everything since replayed after the next restart).
/// </summary>
/// <remarks>
/// In the non-parallel chaos group: OpenTelemetry aggregates instruments by meter name across the
/// process, so disposing this in-process consumer would end the series a parallel test's consumer
/// still exports (<c>TelemetryTests</c>).
/// </remarks>
[Collection(ChaosTestGroup.Name)]
public sealed class OffsetCommitRecoveryTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task An_offset_commit_the_broker_refuses_is_made_again_so_the_group_catches_up_when_the_stream_goes_quiet()
    {
        await using var cluster = kafka.StartPrivateCluster();
        var ledgerTopic = KafkaBrokerFixture.UniqueTopic("ledger");
        var orderTopic = KafkaBrokerFixture.UniqueTopic("orders");
        cluster.CreateTopic(ledgerTopic, 1);
        cluster.CreateTopic(orderTopic, 1);
        var settings = new ConsumerSettings(database.ConnectionString, cluster.BootstrapServers, ledgerTopic, orderTopic, KafkaBrokerFixture.UniqueGroupId("commit"));
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(cluster.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];
        await producer.SendAsync(ledgerTopic, $"{id}-first", Json.Ledger($"{id}-first", version: 1));
        await Eventually.Holds(() => Assert.Equal(1, Committed(cluster, settings)), TimeSpan.FromSeconds(60));

        // The next commit is refused as commits are while the group rebalances.
        cluster.PushBrokerRequestErrors(1, KafkaApiKey.OffsetCommit, ErrorCode.RebalanceInProgress);
        for (var i = 0; i < 10; i++)
        {
            await producer.SendAsync(ledgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1));
        }

        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            Assert.Equal(11, await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith(id), TestContext.Current.CancellationToken));
        });
        // Offsets are committed after the transaction, so the refused commit may come just after the rows are visible.
        await Eventually.Holds(() =>
        {
            Assert.Equal(0, cluster.PendingBrokerRequestErrors(1, KafkaApiKey.OffsetCommit));
            Assert.Contains(host.Logs, line => line.StartsWith("Offset commit failed", StringComparison.Ordinal));
        });

        // Nothing else arrives: the refused offsets must still reach the group.
        await Eventually.Holds(() => Assert.Equal(11, Committed(cluster, settings)), TimeSpan.FromSeconds(20));
    }

    private static long Committed(MockKafkaCluster cluster, ConsumerSettings settings)
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = settings.GroupId }).Build();
        return probe.Committed([new TopicPartition(settings.LedgerTopic, 0)], TimeSpan.FromSeconds(5)).Single().Offset.Value;
    }
}
