using System.Diagnostics;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;

namespace Backoffice.Tests.Consumer;

/// <summary>Stopping the host (SIGTERM's path) finishes, commits and leaves within 10 s (§5); see <see cref="ConsumerProcessTests"/> for a real SIGTERM.</summary>
public sealed class GracefulShutdownTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Graceful_shutdown_commits_the_offsets_and_leaves_the_group_within_10_seconds()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 2, orderPartitions: 1);
        using var producer = new TestProducer(kafka.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];
        var first = new ConsumerHost(settings).Start();
        for (var i = 0; i < 50; i++)
        {
            await producer.SendAsync(settings.LedgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}"));
        }

        await Eventually.Holds(() => Assert.Equal(50, first.MessagesTotal()));

        var stopwatch = Stopwatch.StartNew();
        await first.DisposeAsync();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.Elapsed}");
        // Close() revokes the partitions and sends LeaveGroup. (The mock coordinator still holds an
        // emptied group for session.timeout.ms before the next join completes, unlike a real broker,
        // so the effect of the leave on the next member cannot be timed here.)
        Assert.Contains(first.Logs, line => line.StartsWith("Partitions revoked", StringComparison.Ordinal));
        Assert.Equal("Consumer closed and left the group", first.Logs.Last());

        using (var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = settings.GroupId }).Build())
        {
            var partitions = Enumerable.Range(0, 2).Select(p => new TopicPartition(settings.LedgerTopic, p)).ToList();
            var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10));
            var highWatermarks = partitions.Select(p => probe.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
            Assert.Equal(highWatermarks, committed.Select(c => c.Offset.Value));
        }

        // The next instance resumes exactly after the committed offsets: nothing is delivered twice.
        await using var second = new ConsumerHost(settings).Start();
        await producer.SendAsync(settings.LedgerTopic, $"{id}-after-0", Json.Ledger($"{id}-after-0"), partition: 0);
        await producer.SendAsync(settings.LedgerTopic, $"{id}-after-1", Json.Ledger($"{id}-after-1"), partition: 1);
        await Eventually.Holds(() => Assert.Equal(2, second.MessagesTotal()), TimeSpan.FromSeconds(20));
        Assert.Equal(0, second.Messages("ledger", "duplicate"));
    }
}
