using Backoffice.Api.Audit;
using Backoffice.Api.Database;
using Backoffice.Api.Hosting;
using Backoffice.Api.Problems;
using Backoffice.Data;
using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Api.Lookups;

public static class TransactionEndpoints
{
    public const string TxIdParameter = "tx_id";

    public static RouteGroupBuilder MapTransactionEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet($"/tx/{{{TxIdParameter}}}", GetTransaction)
            .WithName("GetTransaction")
            .WithSummary("Trace one ledger entry")
            .WithDescription("The entry, its pairing (with the opposite leg when stored) and its payment order (null until synchronised).")
            .WithLookupAudit(new LookupAuditMetadata("GET_TX", "TX", TxIdParameter, "bo.tx_id", []));
        return group;
    }

    public static async Task<Results<Ok<TransactionResponse>, NotFoundProblem, BadRequestProblem>> GetTransaction(
        [FromRoute(Name = TxIdParameter)] string txId,
        [AsParameters] LookupServices services)
    {
        if (!LookupId.IsValid(txId))
        {
            return new BadRequestProblem(ApiProblems.InvalidId(services.HttpContext, TxIdParameter));
        }

        var transaction = await services.DbMetrics.MeasureAsync(
            DbQueries.GetTx, (services.Db, txId), static (state, cancellationToken) => FindAsync(state.Db, state.txId, cancellationToken),
            services.CancellationToken);

        return transaction is null
            ? new NotFoundProblem(ApiProblems.NotFound(services.HttpContext, $"No ledger entry has tx_id '{txId}'."))
            : TypedResults.Ok(transaction);
    }

    /// <summary>
    /// One round trip: the entry by primary key, left-joined to its pair row (primary key
    /// <c>related_id</c>), the opposite leg named by that row (primary key) and the payment order
    /// (primary key). Compiled once: a request only binds <c>tx_id</c>, with no expression tree to
    /// build, funcletize and look up in EF's query cache.
    /// </summary>
    private static readonly Func<BoDbContext, string, CancellationToken, Task<TxRow?>> FindRow = EF.CompileAsyncQuery(
        (BoDbContext db, string txId, CancellationToken cancellationToken) => (
                from entry in db.LedgerEntries.AsNoTracking()
                where entry.TxId == txId
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
                    order.CreatedAt, order.UpdatedAt))
            .FirstOrDefault());

    private static async Task<TransactionResponse?> FindAsync(BoDbContext db, string txId, CancellationToken cancellationToken) =>
        (await FindRow(db, txId, cancellationToken))?.ToResponse();

    /// <summary>Runs the lookup's query once at start-up (<see cref="LookupWarmUp"/>), so no caller pays for compiling it.</summary>
    internal static Task WarmUpAsync(BoDbContext db, CancellationToken cancellationToken) =>
        FindAsync(db, LookupWarmUp.ProbeId, cancellationToken);

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
