using System.Security.Claims;
using Backoffice.Api.Limits;

namespace Backoffice.Api.Auth;

/// <summary>Who made a lookup, as recorded in the audit log.</summary>
public sealed record AdminCaller(string ActorId, string? ActorName, IReadOnlyList<string> Roles)
{
    public const string AnonymousId = "anonymous";

    /// <summary>
    /// This actor's rate-limit partition key (<see cref="CallerPartition"/>), made with the caller:
    /// a caller served from the token cache answers many requests with one string.
    /// </summary>
    public string ActorPartitionKey { get; } = $"{CallerPartition.Actor}:{ActorId}";

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

        var caller = CachedFor(user) ?? From(user);
        httpContext.Features.Set(new CallerFeature(user, caller));
        return caller;
    }

    /// <summary>
    /// The caller worked out once for a cached token (<see cref="CachedCallerIdentity"/>), when the
    /// principal is still exactly what the token cache served: that one identity, with its claims
    /// unchanged, so <see cref="From"/> would find the same caller again.
    /// </summary>
    private static AdminCaller? CachedFor(ClaimsPrincipal user) =>
        user.GetType() == typeof(ClaimsPrincipal)
        && user.Identities is IReadOnlyCollection<ClaimsIdentity> { Count: 1 }
        && user.Identity is CachedCallerIdentity { Caller: { } caller }
            ? caller
            : null;

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

/// <summary>
/// The identity the token cache serves on a hit: a copy of the validated identity, exactly as
/// <see cref="ClaimsIdentity.Clone"/> makes it, that also carries the <see cref="AdminCaller"/>
/// worked out once for the cache entry, so a request with a cached token does not search its claims
/// again (the rate limiter, the audit filter and the rejection log all ask). Adding or removing a
/// claim forgets that caller, and <see cref="AdminCaller.Of"/> then works it out from the claims.
/// </summary>
public sealed class CachedCallerIdentity : ClaimsIdentity
{
    public CachedCallerIdentity(ClaimsIdentity validated, AdminCaller caller)
        : base(validated) => Caller = caller;

    /// <summary>The caller of these claims; null once they have been changed.</summary>
    public AdminCaller? Caller { get; private set; }

    public override void AddClaim(Claim claim)
    {
        Caller = null;
        base.AddClaim(claim);
    }

    public override void AddClaims(IEnumerable<Claim?> claims)
    {
        Caller = null;
        base.AddClaims(claims);
    }

    public override void RemoveClaim(Claim? claim)
    {
        Caller = null;
        base.RemoveClaim(claim);
    }

    public override bool TryRemoveClaim(Claim? claim)
    {
        Caller = null;
        return base.TryRemoveClaim(claim);
    }
}
