using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Api.Auth;

/// <summary>
/// Remembers bearer tokens that passed full validation (signature, issuer, audience, lifetime,
/// algorithm), so a caller presenting the same token again is not charged another RSA verification
/// and JSON parse. An entry is used only while all of these hold, otherwise the token is validated
/// in full again:
/// <list type="bullet">
/// <item>the presented token is byte-for-byte the validated one (looked up by its SHA-256; the raw
/// token is never stored);</item>
/// <item>the token has not reached its <c>exp</c> (the clock skew is not added, so an entry ends no
/// later than the validator would reject the token) and the entry is younger than
/// <see cref="TokenCacheOptions.MaxAge"/>;</item>
/// <item>the key that verified its signature is still one of the keys validation would use now:
/// after the issuer's signing keys are refreshed (JWKS rotation), a token signed by a key that was
/// withdrawn is rejected exactly as it would be without the cache.</item>
/// </list>
/// Only successes are cached: a token that fails is validated (and fails) every time. The cache holds
/// at most <see cref="TokenCacheOptions.MaxEntries"/> entries; when full, expired entries are swept
/// (at most once a second) and new tokens are simply not cached until there is room.
/// </summary>
public sealed class ValidatedTokenCache
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _maxEntries;
    private readonly TimeSpan _maxAge;
    private long _nextSweep;

    public ValidatedTokenCache(TokenCacheOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _timeProvider = timeProvider;
        _maxEntries = options.MaxEntries;
        _maxAge = options.MaxAge;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The cached result for <paramref name="token"/> with a fresh copy of its identity (the caller
    /// may add claims to it), or null when the token must be validated in full.
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

        if (_timeProvider.GetUtcNow() >= entry.ExpiresAt || !IsCurrent(entry.SigningKey, parameters, configuration))
        {
            _entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry));
            return null;
        }

        return new TokenValidationResult
        {
            IsValid = true,
            ClaimsIdentity = entry.Identity.Clone(),
            SecurityToken = entry.Token,
            Issuer = entry.Issuer,
            TokenType = entry.TokenType,
        };
    }

    /// <summary>Remembers a successful validation of <paramref name="token"/>; anything else is ignored.</summary>
    public void Add(string token, TokenValidationResult result)
    {
        if (!result.IsValid || result.SecurityToken is not { SigningKey: { } signingKey } validated
            || result.ClaimsIdentity is not { } identity)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var expiresAt = Min(new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc)), now + _maxAge);
        if (expiresAt <= now)
        {
            return;
        }

        if (_entries.Count >= _maxEntries && !MakeRoom(now))
        {
            return;
        }

        _entries[TokenHash.Of(token)] = new Entry(identity.Clone(), validated, signingKey, result.Issuer, result.TokenType, expiresAt);
    }

    private bool MakeRoom(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextSweep, (now + SweepInterval).UtcTicks, due) == due)
        {
            foreach (var (hash, entry) in _entries)
            {
                if (now >= entry.ExpiresAt)
                {
                    _entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry));
                }
            }
        }

        return _entries.Count < _maxEntries;
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
        ClaimsIdentity Identity, SecurityToken Token, SecurityKey SigningKey, string? Issuer, string? TokenType, DateTimeOffset ExpiresAt);

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
        // A replay-checked token must reach the replay cache every time.
        var cacheable = !validationParameters.ValidateTokenReplay || validationParameters.TokenReplayCache is null;
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
