using System.Security.Claims;

namespace Backoffice.Api.Auth;

public static class AdminRoles
{
    public const string Read = "ADMIN_READ";
    public const string Audit = "ADMIN_AUDIT";

    /// <summary>Entra app roles arrive as <c>roles</c>; other issuers often use <c>role</c>.</summary>
    private static readonly string[] RoleClaimTypes = ["roles", "role", ClaimTypes.Role];

    public static string[] Of(ClaimsPrincipal user) =>
        [.. user.Claims
            .Where(claim => RoleClaimTypes.Contains(claim.Type, StringComparer.Ordinal))
            .Select(claim => claim.Value)
            .Distinct(StringComparer.Ordinal)];

    public static bool MayLookUp(ClaimsPrincipal user) =>
        user.Claims.Any(claim => RoleClaimTypes.Contains(claim.Type, StringComparer.Ordinal)
                                 && claim.Value is Read or Audit);
}
