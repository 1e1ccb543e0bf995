using Backoffice.Api.Problems;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Backoffice.Api.Limits;

/// <summary>
/// A lookup whose query ran out of time (<c>Database:CommandTimeout</c>, after which Npgsql also
/// cancels it on the server, or no pooled connection within the connection string's
/// <c>Timeout</c>) answers 503 <c>DATABASE_TIMEOUT</c> instead of holding its connection: one
/// slow query (a lock, a bad plan) costs one connection for a bounded time, never the pool.
/// </summary>
public static class QueryTimeouts
{
    /// <summary>The audit <c>result</c> of a lookup that reached its handler but whose query timed out.</summary>
    public const string AuditResult = "TIMEOUT";

    /// <summary>
    /// A command or connection timeout, or a statement cancelled on the server; never the
    /// request's own cancellation (the caller went away), which Npgsql reports as
    /// <see cref="OperationCanceledException"/> around the same server error. Looked for through
    /// the wrappers (EF Core reports a transient Npgsql error inside an InvalidOperationException).
    /// </summary>
    public static bool IsTimeout(Exception? exception) => exception switch
    {
        null or OperationCanceledException => false,
        TimeoutException => true,
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } => true,
        _ => IsTimeout(exception.InnerException),
    };
}

/// <summary>503 <c>DATABASE_TIMEOUT</c>; the audit filter records it as <see cref="QueryTimeouts.AuditResult"/>.</summary>
public sealed class DatabaseTimeoutProblem(ProblemDetails problem) : ProblemResult(problem)
{
    public static DatabaseTimeoutProblem For(HttpContext httpContext) => new(ApiProblems.Create(
        httpContext, StatusCodes.Status503ServiceUnavailable, ProblemCodes.DatabaseTimeout,
        "The database did not answer in time, so no data is returned. Retry later."));
}

/// <summary>
/// Turns a timed-out lookup query into <see cref="DatabaseTimeoutProblem"/>. Runs inside the audit
/// filter, so the attempt is audited like any lookup that reached its handler.
/// </summary>
internal sealed partial class QueryTimeoutFilter(ILogger<QueryTimeoutFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (QueryTimeouts.IsTimeout(exception))
        {
            var request = context.HttpContext.Request;
            LogTimedOut(logger, request.Method, request.Path, exception);
            return DatabaseTimeoutProblem.For(context.HttpContext);
        }
    }

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning,
        Message = "Lookup query timed out (503 DATABASE_TIMEOUT): {Method} {Path}")]
    private static partial void LogTimedOut(ILogger logger, string method, PathString path, Exception exception);
}
