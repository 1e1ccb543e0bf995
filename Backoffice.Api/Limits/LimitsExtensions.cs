using Backoffice.Api.Problems;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Limits;

public static class LimitsExtensions
{
    public const string CallerPolicy = "PerCaller";

    /// <summary>
    /// Resource limits (OWASP API4): Kestrel's request size, header and time limits from
    /// <c>Limits</c>, and the per-caller token bucket from <c>RateLimiting</c>, both validated at
    /// start naming the bad key. (Query timeouts are <c>Database:CommandTimeout</c>.)
    /// </summary>
    public static IHostApplicationBuilder AddApiLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>()
            .BindConfiguration(RequestLimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<LimitMetrics>();

        // Registered after the host's own Kestrel binding, so these win over Kestrel:Limits:*.
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<RequestLimitsOptions>>(static (kestrel, options) =>
            {
                var limits = options.Value;
                kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineSize;
                kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
                kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
                kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodySize;
                kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            });

        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy<string, CallerRateLimitPolicy>(CallerPolicy);
        });
        return builder;
    }

    /// <summary>Refuses a declared body beyond <c>Limits:MaxRequestBodySize</c> with 413; call before authentication.</summary>
    public static WebApplication UseRequestBodyLimit(this WebApplication app)
    {
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }

    /// <summary>
    /// The per-caller rate limit. Call after authentication (the caller is the token's actor) and
    /// before authorization, so requests without a valid token spend their client address's
    /// budget: guessing tokens is throttled too.
    /// </summary>
    public static WebApplication UseCallerRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Puts the endpoints of <paramref name="group"/> under the per-caller rate limit, and documents its 429.</summary>
    public static RouteGroupBuilder RequireCallerRateLimit(this RouteGroupBuilder group) =>
        group.RequireRateLimiting(CallerPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests, ApiProblems.ContentType);
}
