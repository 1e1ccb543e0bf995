using System.Text.Json;
using Backoffice.Api.Auth;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Problems;

/// <summary>
/// Writes every problem the framework produces (status code pages, the exception handler) as
/// <c>application/problem+json</c> with <c>code</c> and <c>trace_id</c>, whatever the client's
/// <c>Accept</c> header says: the contract is that every error is problem+json.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    private readonly JsonSerializerOptions _serializerOptions = jsonOptions.Value.SerializerOptions;

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var httpContext = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? httpContext.Response.StatusCode;

        string? code = null;
        if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
            && httpContext.Features.Get<AuthFailureFeature>() is { } failure)
        {
            problem.Detail ??= AuthFailureReasons.Describe(failure.Reason);
        }
        else if (context.Exception is not null && status == StatusCodes.Status503ServiceUnavailable)
        {
            code = ProblemCodes.DatabaseUnavailable;
            problem.Detail ??= "The database is unavailable. Retry later.";
        }
        else if (context.Exception is not null && status >= 500)
        {
            // Never echo an exception message to the caller; the trace id leads to the logged one.
            problem.Detail = null;
        }

        ApiProblems.Complete(httpContext, problem, code);
        return new ValueTask(httpContext.Response.WriteAsJsonAsync(
            problem, _serializerOptions, ApiProblems.ContentType, httpContext.RequestAborted));
    }
}
