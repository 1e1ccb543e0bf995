using Backoffice.Api.Problems;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Limits;

/// <summary>
/// No endpoint reads a body, so Kestrel's body limit would only apply when it drains one; a
/// declared <c>Content-Length</c> above <c>Limits:MaxRequestBodySize</c> is refused here, before
/// authentication, with a 413 problem, and the connection is closed rather than drained.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimitsOptions> options, LimitMetrics metrics)
{
    public const string BodyTooLarge = "body_too_large";

    private readonly long _maxBodySize = options.Value.MaxRequestBodySize;

    public Task InvokeAsync(HttpContext context)
    {
        return context.Request.ContentLength > _maxBodySize ? RejectAsync(context) : next(context);
    }

    private Task RejectAsync(HttpContext context)
    {
        metrics.Rejected(BodyTooLarge);
        context.Response.Headers.Connection = "close";
        var problem = ApiProblems.Create(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
            $"Request bodies are limited to {_maxBodySize} bytes; this API takes none.");
        return TypedResults.Problem(problem).ExecuteAsync(context);
    }
}
