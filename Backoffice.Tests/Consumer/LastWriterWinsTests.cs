using Backoffice.Data.Dlq;
using Backoffice.Data.Ledger;
using Backoffice.Data.Orders;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>§3 on the write path (one transaction per batch, as the worker writes it), every case of the version order.</summary>
public sealed class LastWriterWinsTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);
    private readonly SyncBatchWriter _writer = new(database.DataSource, TimeProvider.System);
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_newer_updated_at_replaces_the_stored_row()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, updatedAt: T0, status: "PENDING"));

        var results = await Write(WritePath.Ledger(tx, updatedAt: T0.AddMicroseconds(1), status: "POSTED"));

        Assert.Equal([MessageResult.Upserted], results);
        Assert.Equal("POSTED", (await Entry(tx)).Status);
    }

    [Fact]
    public async Task An_older_updated_at_is_ignored_and_counted_stale()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, updatedAt: T0, status: "POSTED"));

        var results = await Write(WritePath.Ledger(tx, updatedAt: T0.AddMicroseconds(-1), status: "PENDING", version: 99));

        Assert.Equal([MessageResult.Stale], results);
        Assert.Equal("POSTED", (await Entry(tx)).Status);
    }

    [Fact]
    public async Task The_same_version_again_is_a_duplicate_and_changes_nothing()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, updatedAt: T0, version: 3, status: "POSTED"));
        var before = await Entry(tx);

        var results = await Write(WritePath.Ledger(tx, updatedAt: T0, version: 3, status: "OTHER"));

        Assert.Equal([MessageResult.Duplicate], results);
        var after = await Entry(tx);
        Assert.Equal(("POSTED", before.IngestedAt, before.SourceOffset), (after.Status, after.IngestedAt, after.SourceOffset));
    }

    [Fact]
    public async Task Equal_updated_at_falls_to_source_version()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, updatedAt: T0, version: 1, status: "V1"));

        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Ledger(tx, updatedAt: T0, version: 2, status: "V2")));
        Assert.Equal([MessageResult.Stale], await Write(WritePath.Ledger(tx, updatedAt: T0, version: 1, status: "V1-again-but-different")));
        Assert.Equal("V2", (await Entry(tx)).Status);
    }

    [Fact]
    public async Task Source_version_alone_orders_events_without_updated_at()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, version: 5, status: "V5"));

        Assert.Equal([MessageResult.Stale], await Write(WritePath.Ledger(tx, version: 4, status: "V4")));
        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Ledger(tx, version: 6, status: "V6")));
        Assert.Equal("V6", (await Entry(tx)).Status);
    }

    [Fact]
    public async Task A_versioned_event_beats_an_unversioned_one_in_both_directions()
    {
        var first = $"tx-{_id}-a";
        await Write(WritePath.Ledger(first, status: "UNVERSIONED"));
        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Ledger(first, version: 0, status: "VERSIONED")));

        var second = $"tx-{_id}-b";
        await Write(WritePath.Ledger(second, updatedAt: T0, status: "VERSIONED"));
        Assert.Equal([MessageResult.Stale], await Write(WritePath.Ledger(second, status: "UNVERSIONED")));

        Assert.Equal("VERSIONED", (await Entry(first)).Status);
        Assert.Equal("VERSIONED", (await Entry(second)).Status);
    }

    [Fact]
    public async Task Unversioned_events_fall_back_to_arrival_order_across_and_within_batches()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, status: "FIRST"));
        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Ledger(tx, status: "SECOND")));
        Assert.Equal("SECOND", (await Entry(tx)).Status);

        var results = await Write(WritePath.Ledger(tx, status: "THIRD"), WritePath.Ledger(tx, status: "FOURTH"));

        Assert.Equal([MessageResult.Stale, MessageResult.Upserted], results);
        Assert.Equal("FOURTH", (await Entry(tx)).Status);
    }

    [Fact]
    public async Task Duplicates_and_older_versions_in_one_batch_are_reduced_before_writing()
    {
        var tx = $"tx-{_id}";
        var v2 = WritePath.Ledger(tx, version: 2, status: "V2");

        var results = await Write(WritePath.Ledger(tx, version: 1, status: "V1"), v2, WritePath.Redelivery(v2), WritePath.Ledger(tx, version: 3, status: "V3"));

        Assert.Equal([MessageResult.Stale, MessageResult.Stale, MessageResult.Stale, MessageResult.Upserted], results);
        Assert.Equal("V3", (await Entry(tx)).Status);

        var again = await Write(WritePath.Ledger(tx, version: 3, status: "V3"), WritePath.Ledger(tx, version: 3, status: "V3"));
        Assert.Equal([MessageResult.Duplicate, MessageResult.Duplicate], again);
    }

    [Fact]
    public async Task The_stored_row_keeps_the_winning_events_payload_and_position_and_its_first_ingestion_time()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, version: 1));
        var first = await Entry(tx);
        var winner = WritePath.Ledger(tx, version: 2, status: "POSTED");

        await Write(winner);

        var stored = await Entry(tx);
        Assert.Equal(first.FirstIngestedAt, stored.FirstIngestedAt);
        Assert.True(stored.IngestedAt > first.IngestedAt);
        Assert.Equal((WritePath.LedgerTopic, 0, winner.Message.Offset, $"evt-{tx}-2"), (stored.SourceTopic, stored.SourcePartition ?? -1, stored.SourceOffset ?? -1, stored.EventId));
        Assert.Contains("\"POSTED\"", stored.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payment_orders_follow_the_same_order()
    {
        var order = $"po-{_id}";
        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Order(order, "CREATED", updatedAt: T0)));
        Assert.Equal([MessageResult.Upserted], await Write(WritePath.Order(order, "SETTLED", updatedAt: T0.AddSeconds(1))));
        Assert.Equal([MessageResult.Stale], await Write(WritePath.Order(order, "FROZEN", updatedAt: T0.AddMilliseconds(500))));
        Assert.Equal([MessageResult.Duplicate], await Write(WritePath.Order(order, "SETTLED", updatedAt: T0.AddSeconds(1))));

        await using var db = database.CreateDbContext();
        var stored = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.OrderId == order, TestContext.Current.CancellationToken);
        Assert.Equal("SETTLED", stored.Status);
    }

    [Fact]
    public async Task A_DLQ_redelivery_increments_attempt_count_instead_of_adding_a_row()
    {
        var offset = Random.Shared.NextInt64(1_000_000, long.MaxValue / 2);
        var topic = $"dlq-{_id}";
        await Write(WritePath.Rejected(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize, "{", offset, topic));

        var results = await Write(WritePath.Rejected(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize, "{", offset, topic));

        Assert.Equal([MessageResult.Dlq], results);
        await using var db = database.CreateDbContext();
        var row = await db.ConsumerDlqEvents.AsNoTracking().SingleAsync(d => d.Topic == topic, TestContext.Current.CancellationToken);
        Assert.Equal(2, row.AttemptCount);
        Assert.True(row.LastFailedAt > row.FirstFailedAt);
        Assert.Equal((DlqStatuses.Pending, DlqErrorCodes.InvalidJson, "ledger"), (row.Status, row.ErrorCode, row.Stream));
    }

    private async Task<MessageResult[]> Write(params BatchItem[] items)
    {
        await _writer.WriteAsync(items, null, TestContext.Current.CancellationToken);
        return [.. items.Select(i => i.Result ?? throw new InvalidOperationException("no result"))];
    }

    private async Task<LedgerEntry> Entry(string txId)
    {
        await using var db = database.CreateDbContext();
        return await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == txId, TestContext.Current.CancellationToken);
    }
}
