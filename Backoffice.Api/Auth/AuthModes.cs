namespace Backoffice.Api.Auth;

public static class AuthModes
{
    /// <summary>Local development only: every caller is <see cref="AdminCaller.Anonymous"/>.</summary>
    public const string Disabled = "disabled";

    /// <summary>Bearer JWTs from an OIDC issuer (Microsoft Entra ID or any standards-compliant one).</summary>
    public const string Oidc = "oidc";
}
