using Backoffice.Api.Audit;
using Backoffice.Api.Database;
using Backoffice.Api.Hosting;
using Backoffice.Api.Problems;
using Backoffice.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Api.Lookups;

public static class PaymentOrderEndpoints
{
    public const string OrderIdParameter = "order_id";

    /// <summary>A payment has two legs; more means a duplicate-leg defect, shown up to this many.</summary>
    public const int MaxLegs = 200;

    public static RouteGroupBuilder MapPaymentOrderEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet($"/payment-orders/{{{OrderIdParameter}}}", GetPaymentOrder)
            .WithName("GetPaymentOrder")
            .WithSummary("Trace one payment order")
            .WithDescription($"The order, its ledger legs (oldest first, at most {MaxLegs}) and their pairing.")
            .WithLookupAudit(new LookupAuditMetadata("GET_PAYMENT_ORDER", "PAYMENT_ORDER", OrderIdParameter, "bo.order_id", []));
        return group;
    }

    public static async Task<Results<Ok<PaymentOrderResponse>, NotFoundProblem, BadRequestProblem>> GetPaymentOrder(
        [FromRoute(Name = OrderIdParameter)] string orderId,
        [AsParameters] LookupServices services)
    {
        if (!LookupId.IsValid(orderId))
        {
            return new BadRequestProblem(ApiProblems.InvalidId(services.HttpContext, OrderIdParameter));
        }

        var order = await services.DbMetrics.MeasureAsync(
            DbQueries.GetPaymentOrder, (services.Db, orderId),
            static (state, cancellationToken) => FindAsync(state.Db, state.orderId, cancellationToken),
            services.CancellationToken);

        return order is null
            ? new NotFoundProblem(ApiProblems.NotFound(services.HttpContext, $"No payment order has order_id '{orderId}'."))
            : TypedResults.Ok(order);
    }

    /// <summary>
    /// One round trip: the order by primary key, its pair row by primary key, and its legs through
    /// the <c>related_id</c> index. Compiled once (see <see cref="TransactionEndpoints"/>).
    /// </summary>
    private static readonly Func<BoDbContext, string, CancellationToken, Task<OrderRow?>> FindRow = EF.CompileAsyncQuery(
        (BoDbContext db, string orderId, CancellationToken cancellationToken) => (
                from order in db.PaymentOrders.AsNoTracking()
                where order.OrderId == orderId
                join pair in db.PaymentLedgerPairs
                    on new { Id = order.OrderId, Type = Pairings.PaymentOrderType }
                    equals new { Id = pair.RelatedId, Type = pair.RelatedType } into pairs
                from pair in pairs.DefaultIfEmpty()
                select new OrderRow(
                    order.OrderId, order.Status, order.Amount, order.Currency, order.PayerWalletId, order.PayeeWalletId,
                    order.CreatedAt, order.UpdatedAt, order.SourceVersion, order.IngestedAt,
                    pair!.PairingStatus, pair.PairingReason, pair.PaymentTxId, pair.ReceiveTxId,
                    (DateTimeOffset?)pair.FirstLegAt, pair.CompletedAt,
                    // Filtered by the parameter rather than the outer row so the bounded (Take)
                    // subquery is an index lookup on related_id, not a window over every leg.
                    db.LedgerEntries
                        .Where(entry => entry.RelatedId == orderId && entry.RelatedType == Pairings.PaymentOrderType)
                        .OrderBy(entry => entry.OccurredAt)
                        .ThenBy(entry => entry.TxId)
                        .Take(MaxLegs)
                        .Select(entry => new LegRow(
                            entry.TxId, entry.EntryType, entry.WalletId, entry.Amount, entry.Currency, entry.Status,
                            entry.OccurredAt, entry.UpdatedAt))
                        .ToList()))
            .FirstOrDefault());

    private static async Task<PaymentOrderResponse?> FindAsync(BoDbContext db, string orderId, CancellationToken cancellationToken)
    {
        var row = await FindRow(db, orderId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var pairing = row.PairStatus is null
            ? Pairings.WithoutRow(row.OrderId)
            : new PairingSummary(row.PairStatus, row.PairReason, row.PaymentTxId, row.ReceiveTxId, row.FirstLegAt, row.CompletedAt);

        var legs = new List<LedgerLeg>(row.Legs.Count);
        foreach (var leg in row.Legs)
        {
            legs.Add(new LedgerLeg(leg.TxId, leg.EntryType, leg.WalletId, Amounts.Format(leg.Amount), leg.Currency,
                leg.Status, leg.OccurredAt, leg.UpdatedAt));
        }

        return new PaymentOrderResponse(row.OrderId, row.Status, Amounts.Format(row.Amount), row.Currency, row.PayerWalletId,
            row.PayeeWalletId, row.CreatedAt, row.UpdatedAt, row.SourceVersion, row.IngestedAt, legs, pairing);
    }

    /// <summary>Runs the lookup's query once at start-up (<see cref="LookupWarmUp"/>), so no caller pays for compiling it.</summary>
    internal static Task WarmUpAsync(BoDbContext db, CancellationToken cancellationToken) =>
        FindAsync(db, LookupWarmUp.ProbeId, cancellationToken);

    private sealed record OrderRow(
        string OrderId, string Status, decimal? Amount, string? Currency, string? PayerWalletId, string? PayeeWalletId,
        DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, long? SourceVersion, DateTimeOffset IngestedAt,
        string? PairStatus, string? PairReason, string? PaymentTxId, string? ReceiveTxId, DateTimeOffset? FirstLegAt,
        DateTimeOffset? CompletedAt, List<LegRow> Legs);

    private sealed record LegRow(
        string TxId, string EntryType, string WalletId, decimal Amount, string? Currency, string? Status,
        DateTimeOffset? OccurredAt, DateTimeOffset? UpdatedAt);
}
