using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>A broker outage mid-stream is ridden out: the consumer reconnects and resumes from its committed offsets.</summary>
public sealed class BrokerOutageTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_broker_going_down_and_up_mid_stream_loses_nothing_and_dead_letters_nothing()
    {
        const int messages = 200;
        // Its own cluster: taking the shared broker down would break every class running beside this one.
        await using var cluster = kafka.StartPrivateCluster();
        var ledgerTopic = KafkaBrokerFixture.UniqueTopic("ledger");
        var orderTopic = KafkaBrokerFixture.UniqueTopic("orders");
        cluster.CreateTopic(ledgerTopic, 3);
        cluster.CreateTopic(orderTopic, 1);
        var settings = new ConsumerSettings(database.ConnectionString, cluster.BootstrapServers, ledgerTopic, orderTopic, KafkaBrokerFixture.UniqueGroupId("outage"));
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(cluster.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];

        for (var i = 0; i < messages / 2; i++)
        {
            await producer.SendAsync(ledgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1));
        }

        await Eventually.Holds(() => Assert.Equal(messages / 2, host.MessagesTotal()));
        cluster.SetBrokerDown(1);
        // The second half is produced while the broker is away (the producer holds it until it is back).
        var secondHalf = Enumerable.Range(messages / 2, messages / 2)
            .Select(i => producer.SendAsync(ledgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1)))
            .ToList();
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.Equal(messages / 2, host.MessagesTotal());
        cluster.SetBrokerUp(1);
        await Task.WhenAll(secondHalf);

        await Eventually.Holds(
            async () =>
            {
                await using var db = database.CreateDbContext();
                Assert.Equal(messages, await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith($"{id}-"), TestContext.Current.CancellationToken));
            },
            TimeSpan.FromSeconds(60));
        // The last batch is counted just after its rows commit.
        await Eventually.Holds(() => Assert.Equal(messages, host.Messages("ledger", "upserted")));
        Assert.Equal(0, host.Messages("ledger", "dlq"));
    }
}
