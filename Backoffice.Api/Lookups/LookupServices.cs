using Backoffice.Api.Database;
using Backoffice.Data;

namespace Backoffice.Api.Lookups;

/// <summary>What the payment-order and wallet lookups need, bound with <c>[AsParameters]</c> (the transaction lookup has no request-scoped context).</summary>
public sealed record LookupServices(
    HttpContext HttpContext,
    BoDbContext Db,
    DbMetrics DbMetrics,
    CancellationToken CancellationToken);
