using System.Diagnostics;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Backoffice.Tests.Consumer;

/// <summary>Bad configuration stops start-up with the key to fix (§1); SIGTERM finishes, commits and leaves within 10 s (§5).</summary>
public sealed class StartupAndShutdownTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Theory]
    [InlineData("Consumer:Profile", "staging", "Consumer:Profile: unknown Kafka profile 'staging'")]
    [InlineData("Consumer:Profiles:local:Topics:ledger", "", "Consumer:Profiles:local:Topics:ledger")]
    [InlineData("Consumer:MaxBatchSize", "0", "Consumer:MaxBatchSize must be between 1 and 10000")]
    [InlineData("Pairing:StaleAfter", "-00:00:01", "Pairing:StaleAfter must be positive")]
    public async Task Invalid_configuration_fails_start_up_naming_the_key(string key, string value, string expected)
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        await using var host = new ConsumerHost(settings, (key, value));

        var error = Assert.Throws<OptionsValidationException>(() => host.Start());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_database_connection_string_fails_start_up_naming_it()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        await using var host = new ConsumerHost(settings, ("ConnectionStrings:backoffice", null));

        var error = Assert.ThrowsAny<Exception>(() => host.Start());

        Assert.Contains("ConnectionStrings:backoffice", error.ToString(), StringComparison.Ordinal);
    }

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
