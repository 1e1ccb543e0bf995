using System.Globalization;
using System.Threading.RateLimiting;
using Backoffice.Api.Auth;
using Backoffice.Api.Problems;
using Backoffice.Api.Telemetry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Limits;

/// <summary>
/// A token bucket per <see cref="CallerPartition"/> (OWASP API4): <c>Burst</c> requests at once,
/// <c>PermitsPerSecond</c> sustained, no queueing. A refused request is a 429 problem with
/// <c>Retry-After</c>, counted and logged; it never reaches a handler, so (like 401/403) it
/// writes no audit row.
/// </summary>
internal sealed partial class CallerRateLimitPolicy : IRateLimiterPolicy<string>
{
    private const string Unlimited = "unlimited";

    private readonly RateLimitingOptions _options;
    private readonly AdminAuthOptions _authOptions;
    private readonly LimitMetrics _metrics;
    private readonly ILogger<CallerRateLimitPolicy> _logger;
    private readonly Func<string, TokenBucketRateLimiterOptions> _bucket;

    public CallerRateLimitPolicy(
        IOptions<RateLimitingOptions> options,
        AdminAuthOptions authOptions,
        LimitMetrics metrics,
        ILogger<CallerRateLimitPolicy> logger)
    {
        _options = options.Value;
        _authOptions = authOptions;
        _metrics = metrics;
        _logger = logger;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.Burst,
            TokensPerPeriod = _options.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            // The partitioned limiter refills every bucket from one timer, in proportion to the time elapsed.
            AutoReplenishment = false,
        };
        _bucket = _ => bucket;
        OnRejected = RejectAsync;
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; }

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        _options.Enabled
            ? RateLimitPartition.GetTokenBucketLimiter(CallerPartition.Of(httpContext, _authOptions).Key, _bucket)
            : RateLimitPartition.GetNoLimiter(Unlimited);

    private async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var httpContext = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var retryAfterSeconds = (int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        var partition = CallerPartition.Of(httpContext, _authOptions);
        var route = (httpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? RequestMetricsMiddleware.UnmatchedRoute;

        _metrics.RateLimited(route, partition.Kind);
        LogRateLimited(_logger, httpContext.Request.Method, httpContext.Request.Path, partition.Key, retryAfterSeconds);

        httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problem = ApiProblems.Create(httpContext, StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
            $"Too many requests from this caller (at most {_options.PermitsPerSecond} per second, bursts of {_options.Burst}). "
            + $"Retry after {retryAfterSeconds} s.");
        await TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning,
        Message = "Admin API request rate-limited (429): {Method} {Path} by {Caller}; retry after {RetryAfterSeconds} s")]
    private static partial void LogRateLimited(ILogger logger, string method, PathString path, string caller, int retryAfterSeconds);
}
