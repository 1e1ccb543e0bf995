using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Api.Auth;

/// <summary>
/// Remembers bearer tokens that passed full validation, so a caller presenting the same token again
/// is not charged another RSA verification and JSON parse. Only the signature check is skipped on a
/// hit; everything else validation decides from settings is decided again, so the cache never
/// accepts a token the real handler would refuse now:
/// <list type="bullet">
/// <item>the presented token is byte-for-byte the validated one (looked up by its SHA-256; the raw
/// token is never stored), so a tampered copy is a miss and is validated, and refused, in full;</item>
/// <item>the token has not reached its <c>exp</c> (the clock skew is not added, so an entry ends no
/// later than the validator would reject the token) and the entry is younger than
/// <see cref="TokenCacheOptions.MaxAge"/>;</item>
/// <item>the key that verified its signature is still one of the keys validation would use now:
/// after the issuer's signing keys are refreshed (JWKS rotation), a token signed by a key that was
/// withdrawn is rejected exactly as it would be without the cache;</item>
/// <item>lifetime, audience, issuer, algorithm and token type pass IdentityModel's own validators
/// (and any custom validator delegates) under the parameters of this request, so a change of those
/// settings applies to cached tokens at once.</item>
/// </list>
/// Any doubt (an entry that fails one of these) drops the entry and the real handler validates, so
/// a refusal reads exactly as it would without the cache. Only successes are cached: a token that
/// fails is validated (and fails) every time. The cache holds at most
/// <see cref="TokenCacheOptions.MaxEntries"/> entries, even under concurrent additions; when full,
/// expired entries are swept (at most once a second) and new tokens are simply not cached until
/// there is room.
/// </summary>
public sealed class ValidatedTokenCache
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _maxEntries;
    private readonly TimeSpan _maxAge;
    private int _count;
    private long _nextSweep;

    public ValidatedTokenCache(TokenCacheOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _timeProvider = timeProvider;
        _maxEntries = options.MaxEntries;
        _maxAge = options.MaxAge;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// The cached result for <paramref name="token"/> with a fresh copy of its identity (the caller
    /// may add claims to it) carrying the entry's <see cref="AdminCaller"/>, or null when the token
    /// must be validated in full.
    /// </summary>
    /// <param name="parameters">The parameters validation would use now (their configured keys).</param>
    /// <param name="configuration">The issuer metadata validation would use now (its keys), if any.</param>
    public TokenValidationResult? TryGet(string token, TokenValidationParameters parameters, BaseConfiguration? configuration)
    {
        var hash = TokenHash.Of(token);
        if (!_entries.TryGetValue(hash, out var entry))
        {
            return null;
        }

        if (_timeProvider.GetUtcNow() >= entry.ExpiresAt
            || !IsCurrent(entry.SigningKey, parameters, configuration)
            || ValidateClaims(entry, parameters, configuration) is not { } issuer)
        {
            Remove(hash, entry);
            return null;
        }

        return new TokenValidationResult
        {
            IsValid = true,
            ClaimsIdentity = new CachedCallerIdentity(entry.Identity, entry.Caller),
            SecurityToken = entry.Token,
            Issuer = issuer,
            TokenType = entry.TokenType,
        };
    }

    /// <summary>Remembers a successful validation of <paramref name="token"/>; anything else is ignored.</summary>
    public void Add(string token, TokenValidationResult result)
    {
        // JsonWebToken only: re-checking a hit needs its audiences, issuer, algorithm and type.
        if (!result.IsValid || result.SecurityToken is not JsonWebToken { SigningKey: { } signingKey } validated
            || result.ClaimsIdentity is not { } identity || !validated.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out _))
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var expiresAt = Min(new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc)), now + _maxAge);
        if (expiresAt <= now || !TryReserve(now))
        {
            return;
        }

        var notBefore = validated.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out _) ? validated.ValidFrom : (DateTime?)null;
        // Every hit is served a copy of this plain copy, so the caller worked out from it once is the
        // one each hit's principal would give (until a request changes its claims).
        var cached = identity.Clone();
        var caller = AdminCaller.From(new ClaimsPrincipal(cached));
        var entry = new Entry(cached, caller, validated, signingKey, notBefore, result.TokenType, expiresAt);
        if (!_entries.TryAdd(TokenHash.Of(token), entry))
        {
            // Validated twice at once: the first entry stays.
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>
    /// The issuer when IdentityModel's validators, and the delegates configured in
    /// <paramref name="parameters"/>, accept the cached token's claims now; null otherwise. These are
    /// the checks the real handler makes besides the signature, in its order.
    /// </summary>
    private static string? ValidateClaims(Entry entry, TokenValidationParameters parameters, BaseConfiguration? configuration)
    {
        var token = entry.Token;
        try
        {
            Validators.ValidateLifetime(entry.NotBefore, token.ValidTo, token, parameters);
            Validators.ValidateAudience(token.Audiences, token, parameters);
            var issuer = ValidateIssuer(token, parameters, configuration);
            Validators.ValidateTokenType(token.Typ, token, parameters);
            Validators.ValidateAlgorithm(token.Alg, entry.SigningKey, token, parameters);
            if (parameters.IssuerSigningKeyValidatorUsingConfiguration is { } keyValidator
                && !keyValidator(entry.SigningKey, token, parameters, configuration))
            {
                return null;
            }

            Validators.ValidateIssuerSecurityKey(entry.SigningKey, token, parameters);
            return issuer;
        }
#pragma warning disable CA1031 // Whatever failed (a custom delegate may throw anything), the real handler validates and reports it.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>
    /// IdentityModel's public issuer check plus what its handler-internal one adds: the issuer named
    /// by the metadata is valid too. Parameters with an issuer delegate that takes the metadata are
    /// never served from the cache (<see cref="CanServe"/>), so the public check
    /// runs any other delegate exactly as the handler would.
    /// </summary>
    private static string ValidateIssuer(JsonWebToken token, TokenValidationParameters parameters, BaseConfiguration? configuration)
    {
        if (parameters.ValidateIssuer && parameters.IssuerValidator is null
            && configuration?.Issuer is { Length: > 0 } metadataIssuer
            && string.Equals(token.Issuer, metadataIssuer, StringComparison.Ordinal))
        {
            return token.Issuer;
        }

        return Validators.ValidateIssuer(token.Issuer, token, parameters);
    }

    /// <summary>
    /// Whether a hit can be re-checked under <paramref name="parameters"/> as the real handler would
    /// check it: not with a replay cache (every presentation must reach it), nor with an issuer
    /// validator that takes the metadata (this cache cannot call it the way the handler does).
    /// </summary>
    public static bool CanServe(TokenValidationParameters parameters) =>
        (!parameters.ValidateTokenReplay || parameters.TokenReplayCache is null)
        && parameters.IssuerValidatorUsingConfiguration is null;

    /// <summary>Counts an entry about to be added, if there is room (after sweeping expired ones, when due).</summary>
    private bool TryReserve(DateTimeOffset now)
    {
        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, (now + SweepInterval).UtcTicks, due) != due)
        {
            return false;
        }

        foreach (var (hash, entry) in _entries)
        {
            if (now >= entry.ExpiresAt)
            {
                Remove(hash, entry);
            }
        }

        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    private void Remove(TokenHash hash, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>
    /// Compared by reference: a refresh of the issuer metadata brings new key objects, so every entry
    /// is validated in full once more after it, and one whose key was withdrawn fails.
    /// </summary>
    private static bool IsCurrent(SecurityKey key, TokenValidationParameters parameters, BaseConfiguration? configuration) =>
        ReferenceEquals(parameters.IssuerSigningKey, key)
        || Contains(parameters.IssuerSigningKeys, key)
        || (configuration is not null && Contains(configuration.SigningKeys, key));

    private static bool Contains(IEnumerable<SecurityKey>? keys, SecurityKey key)
    {
        if (keys is null)
        {
            return false;
        }

        foreach (var candidate in keys)
        {
            if (ReferenceEquals(candidate, key))
            {
                return true;
            }
        }

        return false;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record Entry(
        ClaimsIdentity Identity, AdminCaller Caller, JsonWebToken Token, SecurityKey SigningKey, DateTime? NotBefore, string? TokenType, DateTimeOffset ExpiresAt);

    /// <summary>SHA-256 of the raw token: the cache keeps no usable credential in memory.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D)
    {
        public static TokenHash Of(string token)
        {
            const int stackLimit = 4096;
            var length = Encoding.UTF8.GetMaxByteCount(token.Length);
            var rented = length > stackLimit ? new byte[length] : null;
            Span<byte> utf8 = rented ?? stackalloc byte[stackLimit];
            var written = Encoding.UTF8.GetBytes(token, utf8);
            Span<ulong> hash = stackalloc ulong[4];
            SHA256.HashData(utf8[..written], MemoryMarshal.AsBytes(hash));
            return new TokenHash(hash[0], hash[1], hash[2], hash[3]);
        }
    }
}

/// <summary>
/// Validates through <see cref="ValidatedTokenCache"/>: a token seen before and still eligible is
/// answered from the cache, anything else goes to the real handler, whose successes are cached.
/// </summary>
public sealed class CachingTokenHandler(TokenHandler inner, ValidatedTokenCache cache) : TokenHandler
{
    public TokenHandler Inner => inner;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        // An oversized token is refused by the real handler before anything else (and is not worth hashing).
        var cacheable = ValidatedTokenCache.CanServe(validationParameters) && token.Length <= inner.MaximumTokenSizeInBytes;
        if (cacheable && await TryCurrentConfigurationAsync(validationParameters) is (true, var configuration)
            && cache.TryGet(token, validationParameters, configuration) is { } cached)
        {
            return cached;
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (cacheable)
        {
            cache.Add(token, result);
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    /// <summary>The real handler's limit, which also decides what is cached.</summary>
    public override int MaximumTokenSizeInBytes
    {
        get => inner.MaximumTokenSizeInBytes;
        set => inner.MaximumTokenSizeInBytes = value;
    }

    /// <summary>
    /// The issuer metadata the real handler would use now (the configuration manager's current
    /// object, the same one until it is refreshed); none without a configuration manager. Not
    /// available (the metadata cannot be fetched): the real handler validates and reports why.
    /// </summary>
    private static async Task<(bool Available, BaseConfiguration? Configuration)> TryCurrentConfigurationAsync(
        TokenValidationParameters parameters)
    {
        if (parameters.ConfigurationManager is not { } manager)
        {
            return (true, null);
        }

        try
        {
            return (true, await manager.GetBaseConfigurationAsync(CancellationToken.None));
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or HttpRequestException)
        {
            return (false, null);
        }
    }
}
