using Backoffice.Api.Audit;
using Backoffice.Api.Database;
using Backoffice.Api.Hosting;
using Backoffice.Api.Problems;
using Backoffice.Data;
using Backoffice.Data.Pairing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Api.Lookups;

public static class WalletEndpoints
{
    public const string WalletIdParameter = "wallet_id";

    public static RouteGroupBuilder MapWalletEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet($"/wallets/{{{WalletIdParameter}}}/tx", ListWalletTransactions)
            .WithName("ListWalletTransactions")
            .WithSummary("List a wallet's ledger entries, newest first")
            .WithDescription(
                "Keyset pagination over (occurred_at desc, tx_id desc). Entries without occurred_at come first "
                + "(the index's NULLS FIRST order) and are excluded when from or to is given. Pass next_cursor back "
                + "as cursor, with the same wallet and filters, for the next page; it is null on the last page. "
                + "An unknown wallet is an empty list.")
            .WithLookupAudit(new LookupAuditMetadata(
                "LIST_WALLET_TX", "WALLET", WalletIdParameter, "bo.wallet_id", WalletListParameters.Names));
        return group;
    }

    public static async Task<Results<Ok<WalletTransactionsPage>, BadRequestProblem>> ListWalletTransactions(
        [FromRoute(Name = WalletIdParameter)] string walletId,
        [FromQuery(Name = WalletListParameters.Limit)] string? limit,
        [FromQuery(Name = WalletListParameters.Cursor)] string? cursor,
        [FromQuery(Name = WalletListParameters.From)] string? from,
        [FromQuery(Name = WalletListParameters.To)] string? to,
        [FromQuery(Name = WalletListParameters.EntryType)] string? entryType,
        [AsParameters] LookupServices services,
        WalletCursorCodec cursors)
    {
        if (!LookupId.IsValid(walletId))
        {
            return new BadRequestProblem(ApiProblems.InvalidId(services.HttpContext, WalletIdParameter));
        }

        var query = WalletListParameters.Parse(walletId, limit, cursor, from, to, entryType, cursors, out var errors);
        if (query is null)
        {
            return new BadRequestProblem(ApiProblems.InvalidParameters(services.HttpContext, errors));
        }

        var page = await services.DbMetrics.MeasureAsync(
            DbQueries.ListWalletTx, (services.Db, query, cursors),
            static (state, cancellationToken) => ListAsync(state.Db, state.query, state.cursors, cancellationToken),
            services.CancellationToken);
        return TypedResults.Ok(page);
    }

    /// <summary>
    /// One range scan of <c>(wallet_id, occurred_at desc, tx_id desc)</c> starting after the cursor's
    /// row (a row-value comparison, no OFFSET), <c>limit + 1</c> rows to learn whether another page
    /// exists, each left-joined to its pair row by primary key. Compiled once; the optional filters
    /// are null parameters, which EF removes from the SQL it generates for each combination of null
    /// and non-null values (it caches one SQL text per combination), so every page is still a plain
    /// range scan with only the conditions it uses.
    /// </summary>
    private static readonly Func<BoDbContext, string, string?, DateTimeOffset?, DateTimeOffset?, DateTimeOffset?, string?, int,
        IAsyncEnumerable<WalletRow>> PageRows = EF.CompileAsyncQuery(
        (BoDbContext db, string walletId, string? entryType, DateTimeOffset? fromTime, DateTimeOffset? toTime,
            DateTimeOffset? afterOccurredAt, string? afterTxId, int take) =>
            from entry in db.LedgerEntries.AsNoTracking()
                .Where(entry => entry.WalletId == walletId
                                && (entryType == null || entry.EntryType == entryType)
                                && (fromTime == null || entry.OccurredAt >= fromTime)
                                && (toTime == null || entry.OccurredAt <= toTime)
                                && (afterTxId == null
                                    // After a dated row: rows with a null occurred_at sort first and
                                    // were all passed already; the comparison yields NULL for them.
                                    || (afterOccurredAt != null && EF.Functions.LessThan(
                                        ValueTuple.Create(entry.OccurredAt, entry.TxId),
                                        ValueTuple.Create(afterOccurredAt, afterTxId)))
                                    // Still inside the leading group of entries without occurred_at.
                                    || (afterOccurredAt == null
                                        && (entry.OccurredAt != null || string.Compare(entry.TxId, afterTxId) < 0))))
                .OrderByDescending(entry => entry.OccurredAt)
                .ThenByDescending(entry => entry.TxId)
                .Take(take)
            join pair in db.PaymentLedgerPairs on entry.RelatedId equals pair.RelatedId into pairs
            from pair in pairs.DefaultIfEmpty()
            orderby entry.OccurredAt descending, entry.TxId descending
            select new WalletRow(
                entry.TxId, entry.EntryType, entry.Amount, entry.Currency, entry.Status, entry.RelatedId, entry.RelatedType,
                entry.OccurredAt, entry.IngestedAt, pair!.PairingStatus, pair.PairingReason));

    private static async Task<WalletTransactionsPage> ListAsync(
        BoDbContext db, WalletListQuery query, WalletCursorCodec cursors, CancellationToken cancellationToken)
    {
        var filter = query.Filter;
        var rows = new List<WalletRow>(query.Limit + 1);
        var page = PageRows(db, filter.WalletId, filter.EntryType, filter.From, filter.To, query.After?.OccurredAt, query.After?.TxId,
            query.Limit + 1);
        await foreach (var row in page.WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }

        var items = rows
            .Take(query.Limit)
            .Select(row => new WalletTransaction(row.TxId, row.EntryType, Amounts.Format(row.Amount), row.Currency, row.Status,
                row.RelatedId, row.RelatedType, row.OccurredAt, row.IngestedAt,
                row.PairStatus is null
                    ? new PairingStatus(PairingStatuses.Unknown, Pairings.ReasonWithoutRow(row.RelatedId))
                    : new PairingStatus(row.PairStatus, row.PairReason)))
            .ToList();

        var nextCursor = rows.Count > query.Limit
            ? cursors.Encode(filter, new WalletListPosition(items[^1].OccurredAt, items[^1].TxId))
            : null;
        return new WalletTransactionsPage(items, nextCursor);
    }

    /// <summary>
    /// Runs the first-page and next-page forms of the query once at start-up
    /// (<see cref="LookupWarmUp"/>): EF compiles one SQL text per combination of null
    /// parameters, and these two are what almost every request uses.
    /// </summary>
    internal static async Task WarmUpAsync(BoDbContext db, WalletCursorCodec cursors, CancellationToken cancellationToken)
    {
        var filter = new WalletListFilter(LookupWarmUp.ProbeId, null, null, null);
        await ListAsync(db, new WalletListQuery(filter, 1, null), cursors, cancellationToken);
        await ListAsync(db, new WalletListQuery(filter, 1, new WalletListPosition(DateTimeOffset.UnixEpoch, LookupWarmUp.ProbeId)), cursors, cancellationToken);
    }

    private sealed record WalletRow(
        string TxId, string EntryType, decimal Amount, string? Currency, string? Status, string? RelatedId, string? RelatedType,
        DateTimeOffset? OccurredAt, DateTimeOffset IngestedAt, string? PairStatus, string? PairReason);
}
