using Backoffice.Api.Telemetry;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Api.Auth;

/// <summary>
/// Applied after any configuration (ours or Microsoft.Identity.Web's): signed tokens only, with an
/// asymmetric algorithm (no <c>alg: none</c>, no HS256 keyed with the public key), issuer, audience
/// and lifetime checked with at most two minutes of skew; JWT claim names kept; every rejection
/// logged with its reason and counted in <c>api_auth_failures_total</c>. Tokens that passed are
/// remembered by <see cref="ValidatedTokenCache"/> (unless <c>Auth:TokenCache:Enabled</c> is false).
/// </summary>
internal sealed partial class HardenedJwtBearerOptions(
    AdminAuthOptions authOptions,
    ApiMetrics metrics,
    TimeProvider timeProvider,
    ILogger<HardenedJwtBearerOptions> logger) : IPostConfigureOptions<JwtBearerOptions>
{
    /// <summary>RSA, RSA-PSS and ECDSA: the key material a JWKS publishes for verification.</summary>
    public static readonly IReadOnlyList<string> AcceptedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        options.MapInboundClaims = false;
        // Nothing reads the bearer token back from the authentication properties (no downstream
        // call on the caller's behalf), so it is not stored there: storing it cost every request a
        // properties dictionary and its entries, and kept the raw credential on the request.
        options.SaveToken = false;
        var parameters = options.TokenValidationParameters;
        parameters.RequireSignedTokens = true;
        parameters.ValidateIssuerSigningKey = true;
        parameters.ValidateIssuer = true;
        parameters.ValidateAudience = true;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.ClockSkew = authOptions.ClockSkew;
        parameters.ValidAlgorithms = AcceptedAlgorithms;

        // IdentityModel would otherwise keep accepting tokens signed by keys the issuer has withdrawn
        // from its JWKS for an hour after a refresh (the "last known good" metadata): a withdrawn key
        // is a revoked key. A failed metadata download never replaces the current keys, so this
        // costs no availability when the issuer is unreachable.
        if (options.ConfigurationManager is BaseConfigurationManager configurationManager)
        {
            configurationManager.UseLastKnownGoodConfiguration = false;
        }

        if (authOptions.TokenCache.Enabled)
        {
            // One cache per options instance: options rebuilt from changed settings start empty.
            var cache = new ValidatedTokenCache(authOptions.TokenCache, timeProvider);
            for (var i = 0; i < options.TokenHandlers.Count; i++)
            {
                if (options.TokenHandlers[i] is not CachingTokenHandler)
                {
                    options.TokenHandlers[i] = new CachingTokenHandler(options.TokenHandlers[i], cache);
                }
            }
        }

        var events = options.Events ?? new JwtBearerEvents();
        options.Events = events;

        var authenticationFailed = events.OnAuthenticationFailed;
        events.OnAuthenticationFailed = async context =>
        {
            await authenticationFailed(context);
            context.HttpContext.Features.Set(new AuthFailureFeature(AuthFailureReasons.FromException(context.Exception)));
        };

        var challenge = events.OnChallenge;
        events.OnChallenge = async context =>
        {
            await challenge(context);
            var failure = context.HttpContext.Features.Get<AuthFailureFeature>();
            if (failure is null)
            {
                failure = new AuthFailureFeature(AuthFailureReasons.FromException(context.AuthenticateFailure));
                context.HttpContext.Features.Set(failure);
            }

            Rejected(context.HttpContext, StatusCodes.Status401Unauthorized, failure.Reason, context.AuthenticateFailure);
        };

        var forbidden = events.OnForbidden;
        events.OnForbidden = async context =>
        {
            await forbidden(context);
            context.HttpContext.Features.Set(new AuthFailureFeature(AuthFailureReasons.Forbidden));
            Rejected(context.HttpContext, StatusCodes.Status403Forbidden, AuthFailureReasons.Forbidden, exception: null);
        };
    }

    private void Rejected(HttpContext httpContext, int statusCode, string reason, Exception? exception)
    {
        metrics.AuthFailed(reason);
        var caller = AdminCaller.Of(httpContext);
        LogRejected(logger, statusCode, reason, httpContext.Request.Method, httpContext.Request.Path,
            caller.ActorId, exception?.GetType().Name, exception?.Message);
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning,
        Message = "Admin API request rejected with {StatusCode} ({Reason}): {Method} {Path} by {ActorId}. {ErrorType}: {ErrorMessage}")]
    private static partial void LogRejected(ILogger logger, int statusCode, string reason, string method, PathString path,
        string actorId, string? errorType, string? errorMessage);
}
