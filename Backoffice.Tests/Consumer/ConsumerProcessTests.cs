using System.Diagnostics;
using System.Net;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>The consumer as a process: bad configuration exits with code 1 and one line naming the key (§1); SIGTERM finishes, commits and exits within 10 s (§5).</summary>
public sealed class ConsumerProcessTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Invalid_configuration_stops_the_process_at_start_up_with_a_message_naming_the_key()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        var cases = new (string Key, string? Value, string Expected)[]
        {
            ("Consumer:Profile", "staging", "Consumer:Profile: unknown Kafka profile 'staging'"),
            ("Consumer:Profiles:local:Topics:ledger", "", "Consumer:Profiles:local:Topics:ledger: the topic of stream 'ledger' is missing or empty"),
            ("Consumer:MaxBatchSize", "0", "Consumer:MaxBatchSize must be between 1 and 10000"),
            ("Consumer:WriteLanes", "17", "Consumer:WriteLanes must be between 1 and 16"),
            ("Pairing:StaleAfter", "-00:00:01", "Pairing:StaleAfter must be positive"),
            ("ConnectionStrings:kafka", "", "ConnectionStrings:kafka (the Kafka bootstrap servers) is required"),
            ("ConnectionStrings:backoffice", "", "ConnectionStrings:backoffice (the Backoffice database) is required"),
            ("ConnectionStrings:backoffice", $"{database.ConnectionString};Multiplexing=true", "ConnectionStrings:backoffice must not enable Multiplexing"),
        };

        // All at once: each is a process start of its own.
        await Task.WhenAll(cases.Select(async c =>
        {
            var configuration = settings.ToConfiguration();
            configuration[c.Key] = c.Value;
            await using var process = ConsumerProcess.Start(configuration);
            await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            // One line saying why and exit code 1, not a crash (exit code 134) with a stack trace.
            Assert.Equal(1, process.ExitCode);
            Assert.Contains("Backoffice.SyncConsumer refused to start: ", process.Output, StringComparison.Ordinal);
            Assert.Contains(c.Expected, process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
        }));
    }

    [Fact]
    public async Task As_a_process_it_consumes_reports_ready_and_on_SIGTERM_commits_and_exits_within_10_seconds()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 2, orderPartitions: 1);
        var id = Guid.NewGuid().ToString("N")[..8];
        using var producer = new TestProducer(kafka.BootstrapServers);
        await using var process = ConsumerProcess.Start(settings.ToConfiguration());
        await Eventually.Holds(async () => Assert.Equal(HttpStatusCode.OK, await process.HealthAsync()), TimeSpan.FromSeconds(60));

        for (var i = 0; i < 40; i++)
        {
            await producer.SendAsync(settings.LedgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}"));
        }

        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            Assert.Equal(40, await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith(id), TestContext.Current.CancellationToken));
        });

        var stopwatch = Stopwatch.StartNew();
        process.Terminate();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopwatch.Elapsed}");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Consumer closed and left the group", process.Output, StringComparison.Ordinal);
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = settings.GroupId }).Build();
        var partitions = Enumerable.Range(0, 2).Select(p => new TopicPartition(settings.LedgerTopic, p)).ToList();
        var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10)).Select(c => c.Offset.Value);
        Assert.Equal(partitions.Select(p => probe.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value), committed);
    }
}
