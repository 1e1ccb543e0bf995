using System.Security.Claims;

namespace Backoffice.Api.Auth;

public static class AdminRoles
{
    public const string Read = "ADMIN_READ";
    public const string Audit = "ADMIN_AUDIT";

    /// <summary>Entra app roles arrive as <c>roles</c>; other issuers often use <c>role</c>.</summary>
    private static readonly string[] RoleClaimTypes = ["roles", "role", ClaimTypes.Role];

    // Loops rather than LINQ: every request asks (authorization, rate limit partition, audit row).
    public static string[] Of(ClaimsPrincipal user)
    {
        List<string>? roles = null;
        foreach (var claim in user.Claims)
        {
            if (IsRoleClaim(claim) && (roles is null || !roles.Contains(claim.Value, StringComparer.Ordinal)))
            {
                (roles ??= new List<string>(2)).Add(claim.Value);
            }
        }

        return roles is null ? [] : [.. roles];
    }

    public static bool MayLookUp(ClaimsPrincipal user)
    {
        foreach (var claim in user.Claims)
        {
            if (IsRoleClaim(claim) && claim.Value is Read or Audit)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRoleClaim(Claim claim)
    {
        foreach (var type in RoleClaimTypes)
        {
            if (string.Equals(claim.Type, type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
