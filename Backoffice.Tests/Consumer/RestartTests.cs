using Backoffice.Data.Dlq;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>At-least-once across restarts (§5, §6): nothing lost, nothing stored twice, redelivery absorbed.</summary>
public sealed class RestartTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_consumer_restarted_mid_stream_loses_nothing_and_stores_nothing_twice()
    {
        const int messages = 600;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        var id = Guid.NewGuid().ToString("N")[..8];
        using var producer = new TestProducer(kafka.BootstrapServers);
        var first = new ConsumerHost(settings).Start();

        // A steady stream while the consumer is stopped and a new one takes over.
        var stream = Task.Run(
            async () =>
            {
                for (var i = 0; i < messages; i++)
                {
                    await producer.SendAsync(settings.LedgerTopic, $"{id}-{i}", Json.Ledger($"{id}-{i}", version: 1));
                    if (i % 20 == 0)
                    {
                        await Task.Delay(50, TestContext.Current.CancellationToken);
                    }
                }
            },
            TestContext.Current.CancellationToken);
        await Eventually.Holds(() => Assert.True(first.MessagesTotal() >= 100));
        await first.DisposeAsync();
        var consumedBeforeRestart = first.Messages("ledger", "upserted");
        Assert.True(consumedBeforeRestart < messages, "the restart happened mid-stream");

        await using var second = new ConsumerHost(settings).Start();
        await stream;

        await Eventually.Holds(async () =>
        {
            await using var db = database.CreateDbContext();
            Assert.Equal(messages, await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith($"{id}-"), TestContext.Current.CancellationToken));
        });
        await Eventually.Holds(() => Assert.Equal(messages, consumedBeforeRestart + second.Messages("ledger", "upserted")));
        // A graceful stop committed its offsets: the new instance saw nothing twice.
        Assert.Equal(0, second.Messages("ledger", "duplicate"));
    }

    [Fact]
    public async Task A_redelivered_bad_message_increments_attempt_count_and_stored_rows_count_as_duplicates()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        var id = Guid.NewGuid().ToString("N")[..8];
        using var producer = new TestProducer(kafka.BootstrapServers);
        var good = await producer.SendAsync(settings.LedgerTopic, null, Json.Ledger($"{id}-ok", version: 1));
        var bad = await producer.SendAsync(settings.LedgerTopic, null, "not json");
        await using (var first = new ConsumerHost(settings).Start())
        {
            await Eventually.Holds(() => Assert.Equal(2, first.MessagesTotal()));
        }

        // A new group reads the topic from the beginning: every message is delivered again.
        await using var replay = new ConsumerHost(settings with { GroupId = KafkaBrokerFixture.UniqueGroupId("replay") }).Start();
        await Eventually.Holds(() => Assert.Equal(2, replay.MessagesTotal()));

        Assert.Equal((1L, 1L), (replay.Messages("ledger", "duplicate"), replay.Messages("ledger", "dlq")));
        await using var db = database.CreateDbContext();
        var row = await db.ConsumerDlqEvents.AsNoTracking().SingleAsync(d => d.Topic == settings.LedgerTopic, TestContext.Current.CancellationToken);
        Assert.Equal((bad.Offset.Value, 2, DlqErrorCodes.InvalidJson), (row.Offset, row.AttemptCount, row.ErrorCode));
        Assert.Equal(good.Offset.Value, (await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == $"{id}-ok", TestContext.Current.CancellationToken)).SourceOffset);
    }
}
