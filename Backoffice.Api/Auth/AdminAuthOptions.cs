using Backoffice.ServiceDefaults.Hosting;

namespace Backoffice.Api.Auth;

/// <summary>
/// The <c>Auth</c> section. <c>AUTH_MODE</c>, when set, overrides <c>Auth:Mode</c>. With
/// <c>AzureAd:ClientId</c> configured, tokens are validated by Microsoft.Identity.Web against the
/// <c>AzureAd</c> section and <c>Auth:Authority</c>/<c>Auth:Audience</c> must stay empty.
/// </summary>
public sealed class AdminAuthOptions
{
    public const string SectionName = "Auth";
    public const string ModeVariable = "AUTH_MODE";
    public const string EntraSectionName = "AzureAd";

    /// <summary>Upper bound of <see cref="ClockSkew"/>: the contract allows at most two minutes.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(2);

    /// <summary><see cref="AuthModes.Oidc"/> unless configured: an unconfigured API refuses to start rather than open up.</summary>
    public string Mode { get; set; } = AuthModes.Oidc;

    /// <summary>The issuer URL; its <c>/.well-known/openid-configuration</c> names the JWKS.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> the tokens must carry.</summary>
    public string? Audience { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public TimeSpan ClockSkew { get; set; } = MaxClockSkew;

    /// <summary><c>Auth:TokenCache</c>: validated tokens remembered so a caller's next request skips RSA verification.</summary>
    public TokenCacheOptions TokenCache { get; set; } = new();

    /// <summary>Set when <c>AzureAd:ClientId</c> is configured.</summary>
    public bool UseEntra { get; set; }

    public static AdminAuthOptions Read(IConfiguration configuration)
    {
        var options = new AdminAuthOptions();
        try
        {
            configuration.GetSection(SectionName).Bind(options);
        }
        catch (InvalidOperationException exception)
        {
            // The binder's message names the key and the value it could not convert.
            throw new InvalidSettingsException(exception.Message, exception);
        }

        if (configuration[ModeVariable] is { Length: > 0 } mode)
        {
            options.Mode = mode;
        }

        options.Mode = options.Mode.Trim().ToLowerInvariant();
        options.UseEntra = !string.IsNullOrWhiteSpace(configuration[$"{EntraSectionName}:ClientId"]);
        return options;
    }

    /// <summary>What is wrong with the settings, each message naming the configuration key.</summary>
    public IReadOnlyList<string> Validate(IHostEnvironment environment)
    {
        var errors = new List<string>();
        if (Mode is not (AuthModes.Disabled or AuthModes.Oidc))
        {
            errors.Add($"{SectionName}:Mode (or {ModeVariable}) must be '{AuthModes.Disabled}' or '{AuthModes.Oidc}', not '{Mode}'.");
            return errors;
        }

        if (Mode == AuthModes.Disabled)
        {
            if (environment.IsProduction())
            {
                errors.Add($"{SectionName}:Mode (or {ModeVariable}) = '{AuthModes.Disabled}' is refused in the Production environment: "
                           + "it would serve admin lookups to anyone. Use 'oidc' with Auth:Authority and Auth:Audience, or the AzureAd section.");
            }

            return errors;
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > MaxClockSkew)
        {
            errors.Add($"{SectionName}:ClockSkew must be between 00:00:00 and {MaxClockSkew:c}, not {ClockSkew:c}.");
        }

        if (TokenCache.MaxEntries is < 1 or > TokenCacheOptions.MaxMaxEntries)
        {
            errors.Add($"{SectionName}:TokenCache:MaxEntries must be between 1 and {TokenCacheOptions.MaxMaxEntries}, not {TokenCache.MaxEntries}.");
        }

        if (TokenCache.MaxAge <= TimeSpan.Zero || TokenCache.MaxAge > TokenCacheOptions.MaxMaxAge)
        {
            errors.Add($"{SectionName}:TokenCache:MaxAge must be more than 00:00:00 and at most {TokenCacheOptions.MaxMaxAge:c}, not {TokenCache.MaxAge:c}.");
        }

        if (UseEntra)
        {
            if (!string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(Audience))
            {
                errors.Add($"{EntraSectionName}:ClientId selects Microsoft Entra ID; leave {SectionName}:Authority and {SectionName}:Audience empty "
                           + $"(set the audience as {EntraSectionName}:Audience).");
            }

            return errors;
        }

        if (string.IsNullOrWhiteSpace(Authority))
        {
            errors.Add($"{SectionName}:Authority is required when {SectionName}:Mode is '{AuthModes.Oidc}' (or configure {EntraSectionName}:ClientId).");
        }
        else if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority)
                 || authority.Scheme is not ("https" or "http"))
        {
            errors.Add($"{SectionName}:Authority must be an absolute http(s) URL, not '{Authority}'.");
        }
        else if (RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"{SectionName}:Authority must use https unless {SectionName}:RequireHttpsMetadata is false.");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            errors.Add($"{SectionName}:Audience is required when {SectionName}:Mode is '{AuthModes.Oidc}'.");
        }

        return errors;
    }
}

/// <summary>
/// <c>Auth:TokenCache</c>: see <see cref="ValidatedTokenCache"/> for what an entry may be used for.
/// An administrator's client sends the same access token with every lookup until it expires
/// (typically an hour), so nearly every request is a hit.
/// </summary>
public sealed class TokenCacheOptions
{
    public const int MaxMaxEntries = 1_000_000;

    public static readonly TimeSpan MaxMaxAge = TimeSpan.FromHours(1);

    /// <summary><c>false</c> validates every request's token in full.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Distinct tokens remembered at once (each entry is a few KiB: the token's claims).</summary>
    public int MaxEntries { get; set; } = 2_000;

    /// <summary>
    /// Longest an entry is used after its validation, even if the token lives longer; it bounds how
    /// long the cache may hold anything at all, independently of the key-refresh rule.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);
}
