using Backoffice.Api.Audit;
using Backoffice.Api.Database;
using Backoffice.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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
        HttpContext httpContext,
        TransactionLookups lookups,
        DbMetrics dbMetrics,
        CancellationToken cancellationToken)
    {
        if (!LookupId.IsValid(txId))
        {
            return new BadRequestProblem(ApiProblems.InvalidId(httpContext, TxIdParameter));
        }

        // No request-scoped DbContext: the lookup runs in a query shared with concurrent ones.
        var transaction = await dbMetrics.MeasureAsync(
            DbQueries.GetTx, (lookups, txId), static (state, token) => state.lookups.FindAsync(state.txId, token), cancellationToken);

        return transaction is null
            ? new NotFoundProblem(ApiProblems.NotFound(httpContext, $"No ledger entry has tx_id '{txId}'."))
            : TypedResults.Ok(transaction);
    }
}
