namespace Backoffice.Api.Problems;

/// <summary>Machine-readable <c>code</c> values of the API's problem details.</summary>
public static class ProblemCodes
{
    public const string InvalidId = "INVALID_ID";
    public const string InvalidParameter = "INVALID_PARAMETER";
    public const string NotFound = "NOT_FOUND";
    public const string RouteNotFound = "ROUTE_NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string AuditUnavailable = "AUDIT_UNAVAILABLE";
    public const string DatabaseUnavailable = "DATABASE_UNAVAILABLE";
    public const string DatabaseTimeout = "DATABASE_TIMEOUT";
    public const string RateLimited = "RATE_LIMITED";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string BadRequest = "BAD_REQUEST";
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>The code for a status the API produces without a more specific reason.</summary>
    public static string ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => RouteNotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => DatabaseUnavailable,
        >= 500 => InternalError,
        _ => $"HTTP_{statusCode}",
    };
}
