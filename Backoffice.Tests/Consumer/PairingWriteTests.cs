using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>§4 on the write path: the pair row follows every ledger write in the same transaction, also under concurrency.</summary>
public sealed class PairingWriteTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly SyncBatchWriter _writer = new(database.DataSource, TimeProvider.System);
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_pair_goes_from_waiting_for_receive_to_complete_and_records_both_legs()
    {
        var po = $"po-{_id}";
        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 15000m, relatedId: po, version: 1));
        var waiting = await Pair(po);
        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForReceive, 1), (waiting.PairingStatus, waiting.PairingReason, waiting.LegCount));

        await Write(WritePath.Ledger($"{po}-r", "RECEIVE", 15000m, relatedId: po, version: 1));

        var complete = await Pair(po);
        Assert.Equal((PairingStatuses.Complete, (string?)null, 2), (complete.PairingStatus, complete.PairingReason, complete.LegCount));
        Assert.Equal(($"{po}-p", $"{po}-r", 15000m, 15000m, "KRW"), (complete.PaymentTxId, complete.ReceiveTxId, complete.PaymentAmount, complete.ReceiveAmount, complete.Currency));
        Assert.Equal(waiting.FirstLegAt, complete.FirstLegAt);
        Assert.NotNull(complete.CompletedAt);
        Assert.Equal(complete.CompletedAt, complete.StatusChangedAt);
        Assert.Equal(RelatedTypes.PaymentOrder, complete.RelatedType);
    }

    [Fact]
    public async Task A_receive_alone_waits_for_the_payment()
    {
        var po = $"po-{_id}";
        await Write(WritePath.Ledger($"{po}-r", "RECEIVE", relatedId: po));

        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForPayment), Status(await Pair(po)));
    }

    [Fact]
    public async Task Mismatches_and_duplicate_legs_are_unknown_with_their_reason()
    {
        var amount = $"po-{_id}-amount";
        var currency = $"po-{_id}-currency";
        var duplicate = $"po-{_id}-dup";

        await Write(
            WritePath.Ledger($"{amount}-p", "PAYMENT", 10m, relatedId: amount),
            WritePath.Ledger($"{amount}-r", "RECEIVE", 11m, relatedId: amount),
            WritePath.Ledger($"{currency}-p", "PAYMENT", 10m, "KRW", relatedId: currency),
            WritePath.Ledger($"{currency}-r", "RECEIVE", 10m, "USD", relatedId: currency),
            WritePath.Ledger($"{duplicate}-p1", "PAYMENT", relatedId: duplicate),
            WritePath.Ledger($"{duplicate}-p2", "PAYMENT", relatedId: duplicate),
            WritePath.Ledger($"{duplicate}-r", "RECEIVE", relatedId: duplicate));

        Assert.Equal((PairingStatuses.Unknown, PairingReasons.AmountMismatch), Status(await Pair(amount)));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch), Status(await Pair(currency)));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.DuplicateLeg), Status(await Pair(duplicate)));
        Assert.Equal(3, (await Pair(duplicate)).LegCount);
    }

    [Fact]
    public async Task An_entry_without_related_id_has_no_pair_row()
    {
        var tx = $"tx-{_id}";
        await Write(WritePath.Ledger(tx, relatedId: null));

        await using var db = database.CreateDbContext();
        Assert.Null((await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == tx, TestContext.Current.CancellationToken)).RelatedId);
        Assert.False(await db.PaymentLedgerPairs.AnyAsync(p => p.RelatedId == tx, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_leg_that_moves_to_another_related_id_updates_both_pairs()
    {
        var from = $"po-{_id}-from";
        var to = $"po-{_id}-to";
        await Write(
            WritePath.Ledger($"{_id}-p", "PAYMENT", relatedId: from, version: 1),
            WritePath.Ledger($"{_id}-r", "RECEIVE", relatedId: from, version: 1),
            WritePath.Ledger($"{_id}-p2", "PAYMENT", relatedId: to, version: 1));
        Assert.Equal(PairingStatuses.Complete, (await Pair(from)).PairingStatus);

        await Write(WritePath.Ledger($"{_id}-r", "RECEIVE", relatedId: to, version: 2));

        var left = await Pair(from);
        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForReceive), Status(left));
        Assert.NotNull(left.CompletedAt);
        Assert.Equal(PairingStatuses.Complete, (await Pair(to)).PairingStatus);

        await Write(WritePath.Ledger($"{_id}-p", "PAYMENT", relatedId: null, version: 2));
        await using var db = database.CreateDbContext();
        Assert.False(await db.PaymentLedgerPairs.AnyAsync(p => p.RelatedId == from, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_stale_leg_does_not_change_the_pair()
    {
        var po = $"po-{_id}";
        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 10m, relatedId: po, version: 2), WritePath.Ledger($"{po}-r", "RECEIVE", 10m, relatedId: po, version: 1));
        var before = await Pair(po);

        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 99m, relatedId: po, version: 1));

        var after = await Pair(po);
        Assert.Equal((PairingStatuses.Complete, before.StatusChangedAt, 10m), (after.PairingStatus, after.StatusChangedAt, after.PaymentAmount));
    }

    [Theory]
    [InlineData("amount", PairingStatuses.Unknown, PairingReasons.AmountMismatch)]
    [InlineData("currency", PairingStatuses.Unknown, PairingReasons.CurrencyMismatch)]
    [InlineData("entry_type", PairingStatuses.Unknown, PairingReasons.DuplicateLeg)]
    [InlineData("related_type", PairingStatuses.Complete, null)]
    public async Task A_newer_version_that_changes_a_pair_input_re_pairs(string input, string status, string? reason)
    {
        var po = $"po-{_id}";
        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 10m, relatedId: po, version: 1), WritePath.Ledger($"{po}-r", "RECEIVE", 10m, relatedId: po, version: 1));
        Assert.Equal(PairingStatuses.Complete, (await Pair(po)).PairingStatus);

        await Write(input switch
        {
            "amount" => WritePath.Ledger($"{po}-r", "RECEIVE", 11m, relatedId: po, version: 2),
            "currency" => WritePath.Ledger($"{po}-r", "RECEIVE", 10m, "USD", relatedId: po, version: 2),
            "entry_type" => WritePath.Ledger($"{po}-r", "PAYMENT", 10m, relatedId: po, version: 2),
            _ => WritePath.Ledger($"{po}-r", "RECEIVE", 10m, relatedId: po, version: 2, relatedType: "ADJUSTMENT"),
        });

        var after = await Pair(po);
        Assert.Equal((status, reason), Status(after));
        Assert.Equal(input == "related_type" ? "ADJUSTMENT" : RelatedTypes.PaymentOrder, after.RelatedType);
        Assert.Equal(input == "amount" ? 11m : 10m, after.ReceiveAmount ?? 10m);
    }

    [Fact]
    public async Task A_newer_version_that_changes_no_pair_input_leaves_the_pair_row_as_it_was()
    {
        var po = $"po-{_id}";
        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 10m, relatedId: po, version: 1, status: "PENDING"), WritePath.Ledger($"{po}-r", "RECEIVE", 10m, relatedId: po, version: 1));
        var before = await Pair(po);

        await Write(WritePath.Ledger($"{po}-p", "PAYMENT", 10.000m, relatedId: po, version: 2, status: "POSTED", walletId: "w-2"));

        await using var db = database.CreateDbContext();
        var leg = await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == $"{po}-p", TestContext.Current.CancellationToken);
        Assert.Equal(("POSTED", "w-2", 2L), (leg.Status, leg.WalletId, leg.SourceVersion));
        Assert.Equivalent(before, await Pair(po), strict: true);
    }

    [Fact]
    public async Task The_upsert_reports_which_writes_can_change_a_pair()
    {
        var tx = $"tx-{_id}";
        LedgerUpsertRow Row(long version, string status = "POSTED", decimal amount = 1m, string? relatedId = "po-1") =>
            ToRow(tx, version) with { Status = status, Amount = amount, RelatedId = relatedId, RelatedType = relatedId is null ? null : RelatedTypes.PaymentOrder };

        Assert.Equal(
            [(UpsertOutcome.Inserted, true), (UpsertOutcome.Updated, false), (UpsertOutcome.Duplicate, false), (UpsertOutcome.Stale, false),
             (UpsertOutcome.Updated, true), (UpsertOutcome.Updated, true), (UpsertOutcome.Updated, true)],
            [
                await Upsert(Row(1, "PENDING")),
                await Upsert(Row(2)),
                await Upsert(Row(2)),
                await Upsert(Row(1, amount: 5m)),
                await Upsert(Row(3, amount: 5m)),
                await Upsert(Row(4, amount: 5m, relatedId: "po-2")),
                await Upsert(Row(5, amount: 5m, relatedId: null)),
            ]);

        async Task<(UpsertOutcome, bool)> Upsert(LedgerUpsertRow row)
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
            var result = (await LedgerUpsert.ExecuteAsync(connection, transaction, [row], TestContext.Current.CancellationToken)).Single();
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
            return (result.Outcome, result.PairInputsChanged);
        }
    }

    [Fact]
    public async Task Two_writers_storing_the_two_legs_at_the_same_moment_always_end_complete()
    {
        const int payments = 300;
        var ids = Enumerable.Range(0, payments).Select(i => $"po-{_id}-{i}").ToList();
        var paymentWriter = new SyncBatchWriter(database.DataSource, TimeProvider.System);
        var receiveWriter = new SyncBatchWriter(database.DataSource, TimeProvider.System);
        using var start = new Barrier(2);

        // Batches of 10 legs each, the two writers racing on the same keys at the same time.
        async Task WriteLegs(SyncBatchWriter writer, string entryType)
        {
            await Task.Yield();
            start.SignalAndWait(TestContext.Current.CancellationToken);
            foreach (var chunk in ids.Chunk(10))
            {
                await writer.WriteAsync([.. chunk.Select(po => WritePath.Ledger($"{po}-{entryType}", entryType, 5m, relatedId: po, version: 1))], null, TestContext.Current.CancellationToken);
            }
        }

        await Task.WhenAll(Task.Run(() => WriteLegs(paymentWriter, "PAYMENT"), TestContext.Current.CancellationToken), Task.Run(() => WriteLegs(receiveWriter, "RECEIVE"), TestContext.Current.CancellationToken));

        await using var db = database.CreateDbContext();
        var statuses = await db.PaymentLedgerPairs.AsNoTracking()
            .Where(p => ids.Contains(p.RelatedId))
            .Select(p => p.PairingStatus)
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(payments, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(PairingStatuses.Complete, s));
    }

    [Fact]
    public async Task A_row_inserted_by_another_transaction_during_the_upsert_is_reported_for_a_retry()
    {
        var tx = $"tx-{_id}";
        await using var other = await database.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var otherTransaction = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await LedgerUpsert.ExecuteAsync(other, otherTransaction, [ToRow(tx, 1)], TestContext.Current.CancellationToken);

        await using var mine = await database.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var myTransaction = await mine.BeginTransactionAsync(TestContext.Current.CancellationToken);
        var racing = LedgerUpsert.ExecuteAsync(mine, myTransaction, [ToRow(tx, 2)], TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await otherTransaction.CommitAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ConcurrentSyncWriteException>(() => racing);
    }

    private static LedgerUpsertRow ToRow(string txId, long version) =>
        new(txId, "w-1", "PAYMENT", 1m, "KRW", null, null, null, null, null, version, null, new SourcePosition("t", 0, version), RawJson.FromText("{}"));

    private async Task Write(params BatchItem[] items) => await _writer.WriteAsync(items, null, TestContext.Current.CancellationToken);

    private async Task<PaymentLedgerPair> Pair(string relatedId)
    {
        await using var db = database.CreateDbContext();
        return await db.PaymentLedgerPairs.AsNoTracking().SingleAsync(p => p.RelatedId == relatedId, TestContext.Current.CancellationToken);
    }

    private static (string, string?) Status(PaymentLedgerPair pair) => (pair.PairingStatus, pair.PairingReason);
}
