using Backoffice.Api.Database;
using Backoffice.Data;

namespace Backoffice.Api.Lookups;

/// <summary>What every lookup handler needs, bound with <c>[AsParameters]</c>.</summary>
public sealed record LookupServices(
    HttpContext HttpContext,
    BoDbContext Db,
    DbMetrics DbMetrics,
    CancellationToken CancellationToken);
