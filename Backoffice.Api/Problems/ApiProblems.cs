using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Backoffice.Api.Problems;

/// <summary>
/// Builds the API's RFC 9457 problem details. Every problem carries a machine <c>code</c> and the
/// request's <c>trace_id</c> (the W3C trace id, the same value the audit row and the spans carry).
/// </summary>
public static class ApiProblems
{
    public const string ContentType = "application/problem+json";
    public const string CodeKey = "code";
    public const string TraceIdKey = "trace_id";
    public const string ErrorsKey = "errors";
    public const string ParameterKey = "parameter";

    public static ProblemDetails InvalidId(HttpContext httpContext, string parameter) =>
        Invalid(httpContext, ProblemCodes.InvalidId, new Dictionary<string, string[]>
        {
            [parameter] = ["must be 1-128 characters from A-Z a-z 0-9 . _ : @ -"],
        });

    /// <param name="errors">Parameter name → what is wrong with it; the first entry is reported as <c>parameter</c>.</param>
    public static ProblemDetails InvalidParameters(HttpContext httpContext, IReadOnlyDictionary<string, string[]> errors) =>
        Invalid(httpContext, ProblemCodes.InvalidParameter, errors);

    public static ProblemDetails NotFound(HttpContext httpContext, string detail) =>
        Create(httpContext, StatusCodes.Status404NotFound, ProblemCodes.NotFound, detail);

    public static ProblemDetails AuditUnavailable(HttpContext httpContext) =>
        Create(httpContext, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable,
            "The lookup could not be audited, so no data is returned. Retry later.");

    public static ProblemDetails Create(HttpContext httpContext, int statusCode, string code, string? detail)
    {
        var problem = new ProblemDetails { Status = statusCode, Detail = detail };
        Complete(httpContext, problem, code);
        return problem;
    }

    /// <summary>Fills what a problem is missing: type, title, instance, <c>code</c> and <c>trace_id</c>.</summary>
    public static void Complete(HttpContext httpContext, ProblemDetails problem, string? code = null)
    {
        var status = problem.Status ??= httpContext.Response.StatusCode;
        problem.Type ??= TypeFor(status);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Instance ??= httpContext.Request.Path.ToUriComponent();
        if (!problem.Extensions.ContainsKey(CodeKey))
        {
            problem.Extensions[CodeKey] = code ?? ProblemCodes.ForStatus(status);
        }

        problem.Extensions[TraceIdKey] = TraceId(httpContext);
    }

    /// <summary>The W3C trace id of the request, or the connection-scoped request id when tracing is off.</summary>
    public static string TraceId(HttpContext httpContext) =>
        Activity.Current is { TraceId: var traceId } && traceId != default
            ? traceId.ToHexString()
            : httpContext.TraceIdentifier;

    private static ProblemDetails Invalid(HttpContext httpContext, string code, IReadOnlyDictionary<string, string[]> errors)
    {
        var names = string.Join(", ", errors.Keys);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Detail = $"Invalid value for: {names}.",
        };
        problem.Extensions[ParameterKey] = errors.Keys.First();
        problem.Extensions[ErrorsKey] = errors;
        Complete(httpContext, problem, code);
        return problem;
    }

    private static string TypeFor(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        405 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        500 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
        503 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
        _ => "about:blank",
    };
}
