using Backoffice.Api.Hosting;
using Backoffice.Data;
using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Lookups;

/// <summary>
/// The data behind <c>GET /admin/tx/{tx_id}</c>. Concurrent lookups share a query
/// (<see cref="LookupBatcher{TRow}"/>: at most <c>Lookups:TxBatchSize</c> ids, at most
/// <c>Lookups:TxBatchConcurrency</c> queries at once, the further ones only while the API is not
/// saturated); a lookup made while the API is quiet runs alone and at once.
/// </summary>
public sealed class TransactionLookups(IDbContextFactory<BoDbContext> contexts, IOptions<LookupOptions> options, TimeProvider timeProvider)
{
    /// <summary>
    /// One round trip for any number of ids: each entry by primary key (<c>= ANY</c>), left-joined
    /// to its pair row (primary key <c>related_id</c>), the opposite leg named by that row (primary
    /// key) and the payment order (primary key). Compiled once: a query only binds the id array,
    /// with no expression tree to build, funcletize and look up in EF's query cache.
    /// </summary>
    private static readonly Func<BoDbContext, string[], IAsyncEnumerable<TxRow>> FindRows = EF.CompileAsyncQuery(
        (BoDbContext db, string[] txIds) =>
            from entry in db.LedgerEntries.AsNoTracking()
            where txIds.Contains(entry.TxId)
            join pair in db.PaymentLedgerPairs on entry.RelatedId equals pair.RelatedId into pairs
            from pair in pairs.DefaultIfEmpty()
            join counterpart in db.LedgerEntries
                on entry.EntryType == EntryTypes.Payment ? pair!.ReceiveTxId : pair!.PaymentTxId
                equals counterpart.TxId into counterparts
            from counterpart in counterparts.DefaultIfEmpty()
            join order in db.PaymentOrders
                on new { Id = entry.RelatedId, Type = entry.RelatedType }
                equals new { Id = (string?)order.OrderId, Type = (string?)Pairings.PaymentOrderType } into orders
            from order in orders.DefaultIfEmpty()
            select new TxRow(
                entry.TxId, entry.EntryType, entry.WalletId, entry.Amount, entry.Currency, entry.Status,
                entry.RelatedId, entry.RelatedType, entry.OccurredAt, entry.UpdatedAt, entry.SourceVersion, entry.IngestedAt,
                pair!.PairingStatus, pair.PairingReason, pair.PaymentTxId, pair.ReceiveTxId,
                (DateTimeOffset?)pair.FirstLegAt, pair.CompletedAt,
                counterpart!.TxId, counterpart.EntryType, counterpart.WalletId, (decimal?)counterpart.Amount,
                counterpart.Currency, counterpart.OccurredAt,
                order!.OrderId, order.Status, order.Amount, order.Currency, order.PayerWalletId, order.PayeeWalletId,
                order.CreatedAt, order.UpdatedAt));

    private readonly LookupBatcher<TxRow> _batcher = new(
        contexts, timeProvider, FindRows, static row => row.TxId, options.Value.TxBatchSize, options.Value.TxBatchConcurrency, "GET_TX query");

    /// <summary>The entry with <paramref name="txId"/> and what it is traced to, or null.</summary>
    public async Task<TransactionResponse?> FindAsync(string txId, CancellationToken cancellationToken) =>
        (await _batcher.FindAsync(txId, cancellationToken))?.ToResponse();

    /// <summary>Runs the lookup's query once at start-up (<see cref="LookupWarmUp"/>), so no caller pays for compiling it.</summary>
    internal static async Task WarmUpAsync(BoDbContext db, CancellationToken cancellationToken)
    {
        await foreach (var _ in FindRows(db, [LookupWarmUp.ProbeId]).WithCancellation(cancellationToken))
        {
        }
    }

    private sealed record TxRow(
        string TxId, string EntryType, string WalletId, decimal Amount, string? Currency, string? Status,
        string? RelatedId, string? RelatedType, DateTimeOffset? OccurredAt, DateTimeOffset? UpdatedAt, long? SourceVersion,
        DateTimeOffset IngestedAt,
        string? PairStatus, string? PairReason, string? PaymentTxId, string? ReceiveTxId, DateTimeOffset? FirstLegAt,
        DateTimeOffset? CompletedAt,
        string? CounterpartTxId, string? CounterpartEntryType, string? CounterpartWalletId, decimal? CounterpartAmount,
        string? CounterpartCurrency, DateTimeOffset? CounterpartOccurredAt,
        string? OrderId, string? OrderStatus, decimal? OrderAmount, string? OrderCurrency, string? PayerWalletId,
        string? PayeeWalletId, DateTimeOffset? OrderCreatedAt, DateTimeOffset? OrderUpdatedAt)
    {
        public TransactionResponse ToResponse()
        {
            var counterpart = CounterpartTxId is null
                ? null
                : new Counterpart(CounterpartTxId, CounterpartEntryType!, CounterpartWalletId!, Amounts.Format(CounterpartAmount!.Value),
                    CounterpartCurrency, CounterpartOccurredAt);

            var pairing = PairStatus is null
                ? new TransactionPairing(PairingStatuses.Unknown, Pairings.ReasonWithoutRow(RelatedId), null, null, null, null, null)
                : new TransactionPairing(PairStatus, PairReason, PaymentTxId, ReceiveTxId, FirstLegAt, CompletedAt, counterpart);

            var order = OrderId is null
                ? null
                : new PaymentOrderSummary(OrderId, OrderStatus!, Amounts.Format(OrderAmount), OrderCurrency, PayerWalletId,
                    PayeeWalletId, OrderCreatedAt, OrderUpdatedAt);

            return new TransactionResponse(TxId, EntryType, WalletId, Amounts.Format(Amount), Currency, Status, RelatedId,
                RelatedType, OccurredAt, UpdatedAt, SourceVersion, IngestedAt, pairing, order);
        }
    }
}
