namespace Backoffice.Api.Telemetry;

/// <summary>
/// Records <c>api_request_*</c> for every request. Runs after routing (the route template is the
/// label, never the raw path) and outside the exception handler (a failure is counted with the
/// status the caller received).
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, ApiMetrics metrics, TimeProvider timeProvider)
{
    public const string UnmatchedRoute = "unmatched";

    private static readonly HashSet<string> KnownMethods =
        new([HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch,
             HttpMethods.Delete, HttpMethods.Options, HttpMethods.Trace, HttpMethods.Connect], StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        var route = RouteLabel(context);
        // An arbitrary method string would be an unbounded label value.
        var method = KnownMethods.TryGetValue(context.Request.Method, out var known) ? known : "OTHER";
        var started = timeProvider.GetTimestamp();
        metrics.RequestStarted(route);
        var statusCode = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            statusCode = context.Response.StatusCode;
        }
        finally
        {
            metrics.RequestFinished(route, method, statusCode, timeProvider.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static string RouteLabel(HttpContext context)
    {
        return context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } template }
            ? template
            : UnmatchedRoute;
    }
}
