using Backoffice.Data;
using Backoffice.LocalInfra.Postgres;
using Backoffice.SyncConsumer.Telemetry;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// §5: a database outage is waited out, never dead-lettered; partitions do not advance and readiness
/// says so. Runs on a private PostgreSQL server: stopping the shared one would break every other class.
/// </summary>
public sealed class DatabaseOutageTests(KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task PostgreSQL_stopped_and_restarted_mid_stream_loses_nothing_and_dead_letters_nothing()
    {
        const int messages = 300;
        await using var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true });
        await server.StartAsync(TestContext.Current.CancellationToken);
        await server.EnsureDatabaseAsync("backoffice", TestContext.Current.CancellationToken);
        var connectionString = server.GetConnectionString("backoffice");
        // The test's own connections are not pooled: a pooled one would be dead after the restart.
        var testConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using (var migrate = new BoDbContext(PostgresServerFixture.CreateContextOptions(testConnectionString)))
        {
            await migrate.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, connectionString);
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(producer, settings, id, 0, 100);
        await Eventually.Holds(() => Assert.Equal(100, host.MessagesTotal()));
        Assert.Equal(200, (await host.HealthAsync()).Status);

        await server.StopAsync(TestContext.Current.CancellationToken);
        await SendAsync(producer, settings, id, 100, messages);

        // Retrying, not advancing, and telling the orchestrator so.
        await Eventually.Holds(async () => Assert.Equal(503, (await host.HealthAsync()).Status));
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.Equal(100, host.MessagesTotal());
        Assert.Equal(200, (await host.HealthAsync("/alive")).Status);

        await server.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.Holds(() => Assert.Equal(messages, host.MessagesTotal()), TimeSpan.FromSeconds(60));
        Assert.Equal(messages, host.Messages("ledger", "upserted"));
        await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(testConnectionString));
        Assert.Equal(messages, await db.LedgerEntries.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await db.ConsumerDlqEvents.CountAsync(TestContext.Current.CancellationToken));
        await Eventually.Holds(async () => Assert.Equal(200, (await host.HealthAsync()).Status));
    }

    [Fact]
    public async Task Partitions_revoked_while_a_batch_waits_for_the_database_are_handed_over_without_loss_or_double_writes()
    {
        const int messages = 200;
        await using var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true });
        await server.StartAsync(TestContext.Current.CancellationToken);
        await server.EnsureDatabaseAsync("backoffice", TestContext.Current.CancellationToken);
        var connectionString = server.GetConnectionString("backoffice");
        var testConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using (var migrate = new BoDbContext(PostgresServerFixture.CreateContextOptions(testConnectionString)))
        {
            await migrate.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, connectionString, ledgerPartitions: 4, orderPartitions: 1);
        await using var first = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];
        await SendAsync(producer, settings, id, 0, messages / 2);
        await Eventually.Holds(() => Assert.Equal(messages / 2, first.MessagesTotal()));

        await server.StopAsync(TestContext.Current.CancellationToken);
        await SendAsync(producer, settings, id, messages / 2, messages);
        await Eventually.Holds(async () => Assert.Equal(503, (await first.HealthAsync()).Status));

        // A second instance joins while the first is retrying a batch: the first gives up the
        // revoked partitions' part of its batch, the second reads it again from the committed offsets.
        await using var second = new ConsumerHost(settings).Start();
        await Eventually.Holds(
            () =>
            {
                Assert.NotEmpty(second.Services.GetRequiredService<KafkaLagTracker>().Partitions);
                Assert.Contains(first.Logs, line => line.StartsWith("Partitions revoked", StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(60));
        await server.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.Holds(() => Assert.Equal(messages, first.MessagesTotal() + second.MessagesTotal()), TimeSpan.FromSeconds(60));
        Assert.Equal(messages, first.Messages("ledger", "upserted") + second.Messages("ledger", "upserted"));
        Assert.Equal((0L, 0L), (first.Messages("ledger", "duplicate"), second.Messages("ledger", "duplicate")));
        await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(testConnectionString));
        Assert.Equal(messages, await db.LedgerEntries.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await db.ConsumerDlqEvents.CountAsync(TestContext.Current.CancellationToken));
    }

    private static async Task SendAsync(TestProducer producer, ConsumerSettings settings, string id, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            await producer.SendAsync(settings.LedgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1));
        }
    }
}
