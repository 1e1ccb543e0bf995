using Backoffice.Api.Audit;
using Backoffice.Api.Database;
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
            DbQueries.ListWalletTx, cancellationToken => ListAsync(services.Db, query, cursors, cancellationToken),
            services.CancellationToken);
        return TypedResults.Ok(page);
    }

    /// <summary>
    /// One range scan of <c>(wallet_id, occurred_at desc, tx_id desc)</c> starting after the cursor's
    /// row (a row-value comparison, no OFFSET), <c>limit + 1</c> rows to learn whether another page
    /// exists, each left-joined to its pair row by primary key.
    /// </summary>
    private static async Task<WalletTransactionsPage> ListAsync(
        BoDbContext db, WalletListQuery query, WalletCursorCodec cursors, CancellationToken cancellationToken)
    {
        var filter = query.Filter;
        var entries = db.LedgerEntries.AsNoTracking().Where(entry => entry.WalletId == filter.WalletId);
        if (filter.EntryType is { } entryType)
        {
            entries = entries.Where(entry => entry.EntryType == entryType);
        }

        if (filter.From is { } from)
        {
            entries = entries.Where(entry => entry.OccurredAt >= from);
        }

        if (filter.To is { } to)
        {
            entries = entries.Where(entry => entry.OccurredAt <= to);
        }

        if (query.After is { OccurredAt: { } afterOccurredAt } after)
        {
            // Rows with a null occurred_at sort first and were all passed already; the comparison
            // yields NULL for them, which excludes them.
            DateTimeOffset? position = afterOccurredAt;
            entries = entries.Where(entry => EF.Functions.LessThan(
                ValueTuple.Create(entry.OccurredAt, entry.TxId),
                ValueTuple.Create(position, after.TxId)));
        }
        else if (query.After is { } afterUndated)
        {
            // Still inside the leading group of entries without occurred_at.
            entries = entries.Where(entry => entry.OccurredAt != null || string.Compare(entry.TxId, afterUndated.TxId) < 0);
        }

        var rows = await (
                from entry in entries
                    .OrderByDescending(entry => entry.OccurredAt)
                    .ThenByDescending(entry => entry.TxId)
                    .Take(query.Limit + 1)
                join pair in db.PaymentLedgerPairs on entry.RelatedId equals pair.RelatedId into pairs
                from pair in pairs.DefaultIfEmpty()
                orderby entry.OccurredAt descending, entry.TxId descending
                select new
                {
                    entry.TxId,
                    entry.EntryType,
                    entry.Amount,
                    entry.Currency,
                    entry.Status,
                    entry.RelatedId,
                    entry.RelatedType,
                    entry.OccurredAt,
                    entry.IngestedAt,
                    PairStatus = pair!.PairingStatus,
                    PairReason = pair.PairingReason,
                })
            .ToListAsync(cancellationToken);

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
}
