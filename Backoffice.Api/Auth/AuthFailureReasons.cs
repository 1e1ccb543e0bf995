using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Api.Auth;

/// <summary>The <c>reason</c> label of <c>api_auth_failures_total</c> and of the rejection log.</summary>
public static class AuthFailureReasons
{
    public const string MissingToken = "missing_token";
    public const string InvalidToken = "invalid_token";
    public const string Expired = "expired";
    public const string NotYetValid = "not_yet_valid";
    public const string InvalidIssuer = "invalid_issuer";
    public const string InvalidAudience = "invalid_audience";
    public const string InvalidSignature = "invalid_signature";
    public const string InvalidAlgorithm = "invalid_algorithm";
    public const string IssuerUnavailable = "issuer_unavailable";
    public const string Forbidden = "forbidden";

    /// <summary>Classifies why JWT bearer validation failed; anything unrecognised is <see cref="InvalidToken"/>.</summary>
    public static string FromException(Exception? exception) => exception switch
    {
        null => MissingToken,
        SecurityTokenExpiredException => Expired,
        SecurityTokenNotYetValidException => NotYetValid,
        SecurityTokenInvalidIssuerException => InvalidIssuer,
        SecurityTokenInvalidAudienceException => InvalidAudience,
        SecurityTokenInvalidAlgorithmException => InvalidAlgorithm,
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => InvalidSignature,
        // JwtBearer surfaces a failed metadata/JWKS download as InvalidOperationException (IDX20803).
        InvalidOperationException => IssuerUnavailable,
        _ => InvalidToken,
    };

    /// <summary>The <c>detail</c> of the 401/403 problem; says what is wrong without echoing the token.</summary>
    public static string Describe(string reason) => reason switch
    {
        MissingToken => "A bearer token is required.",
        Expired => "The bearer token has expired.",
        NotYetValid => "The bearer token is not valid yet.",
        InvalidIssuer => "The bearer token was not issued by the trusted issuer.",
        InvalidAudience => "The bearer token is not meant for this API.",
        InvalidSignature => "The bearer token's signature is not valid.",
        InvalidAlgorithm => "The bearer token is not signed with an accepted algorithm.",
        IssuerUnavailable => "The token issuer's signing keys could not be obtained.",
        Forbidden => "The caller lacks the ADMIN_READ or ADMIN_AUDIT role.",
        _ => "The bearer token is not valid.",
    };
}

/// <summary>Why the authentication layer rejected this request; read when the problem body is written.</summary>
public sealed record AuthFailureFeature(string Reason);
