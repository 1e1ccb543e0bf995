using System.Security.Claims;

namespace Backoffice.Api.Auth;

/// <summary>Who made a lookup, as recorded in the audit log.</summary>
public sealed record AdminCaller(string ActorId, string? ActorName, IReadOnlyList<string> Roles)
{
    public const string AnonymousId = "anonymous";

    public static AdminCaller Anonymous { get; } = new(AnonymousId, null, []);

    // With MapInboundClaims off the JWT names are kept; the long URIs cover a handler that maps them.
    private static readonly string[] IdClaimTypes =
        ["oid", "http://schemas.microsoft.com/identity/claims/objectidentifier", "sub", ClaimTypes.NameIdentifier];

    private static readonly string[] NameClaimTypes = ["preferred_username", "upn", ClaimTypes.Upn, "name", ClaimTypes.Name];

    /// <summary>
    /// The caller of this request, worked out once per principal: the rate limiter, the audit filter
    /// and the rejection log all ask.
    /// </summary>
    public static AdminCaller Of(HttpContext httpContext)
    {
        var user = httpContext.User;
        if (httpContext.Features.Get<CallerFeature>() is { } known && ReferenceEquals(known.User, user))
        {
            return known.Caller;
        }

        var caller = From(user);
        httpContext.Features.Set(new CallerFeature(user, caller));
        return caller;
    }

    public static AdminCaller From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Anonymous;
        }

        var id = First(user, IdClaimTypes) ?? AnonymousId;
        return new AdminCaller(id, First(user, NameClaimTypes), AdminRoles.Of(user));
    }

    private static string? First(ClaimsPrincipal user, string[] claimTypes)
    {
        foreach (var type in claimTypes)
        {
            if (user.FindFirst(type)?.Value is { Length: > 0 } value)
            {
                return value;
            }
        }

        return null;
    }

    private sealed record CallerFeature(ClaimsPrincipal User, AdminCaller Caller);
}
