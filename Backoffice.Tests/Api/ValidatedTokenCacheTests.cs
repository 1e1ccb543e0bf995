using System.Security.Claims;
using System.Security.Cryptography;
using Backoffice.Api.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Tests.Api;

/// <summary>
/// The rules of the validated-token cache, with the real JWT handler behind it: which repeated
/// token may skip validation, and for how long. (The API-level behaviour, an expired or withdrawn
/// key's token rejected after being cached, is in <see cref="TokenCacheTests"/>.)
/// </summary>
public sealed class ValidatedTokenCacheTests : IDisposable
{
    private const string Issuer = "https://issuer.test";
    private const string Audience = "api://cache-test";

    private static readonly string[] Roles = ["ADMIN_READ"];

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CountingHandler _inner = new();

    public ValidatedTokenCacheTests() => _key = new RsaSecurityKey(_rsa) { KeyId = "k1" };

    public void Dispose() => _rsa.Dispose();

    [Fact]
    public async Task A_repeated_valid_token_is_validated_once()
    {
        var handler = Handler();
        var token = Token();

        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _inner.Calls);
        Assert.Equal("oid-1", second.ClaimsIdentity.FindFirst("oid")?.Value);
        Assert.Same(first.SecurityToken, second.SecurityToken);
    }

    [Fact]
    public async Task An_entry_ends_at_the_tokens_exp_without_the_clock_skew()
    {
        var expires = _clock.GetUtcNow().AddMinutes(3);
        var handler = Handler(maxAge: TimeSpan.FromHours(1));
        var token = Token(expires);
        await handler.ValidateTokenAsync(token, Parameters());

        _clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()).AddTicks(-1));
        await handler.ValidateTokenAsync(token, Parameters());
        Assert.Equal(1, _inner.Calls);

        _clock.Advance(TimeSpan.FromTicks(1));
        await handler.ValidateTokenAsync(token, Parameters());
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task An_entry_is_used_for_at_most_its_max_age()
    {
        var handler = Handler(maxAge: TimeSpan.FromMinutes(1));
        var token = Token(_clock.GetUtcNow().AddMinutes(30));
        await handler.ValidateTokenAsync(token, Parameters());

        _clock.Advance(TimeSpan.FromSeconds(59));
        await handler.ValidateTokenAsync(token, Parameters());
        Assert.Equal(1, _inner.Calls);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await handler.ValidateTokenAsync(token, Parameters());
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task A_token_that_fails_validation_is_never_cached()
    {
        var handler = Handler();
        var parts = Token().Split('.');
        var tampered = $"{parts[0]}.{parts[1]}.{parts[2][..^4]}AAAA";

        var first = await handler.ValidateTokenAsync(tampered, Parameters());
        var second = await handler.ValidateTokenAsync(tampered, Parameters());

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task A_tampered_copy_of_a_cached_token_is_validated_in_full_and_fails()
    {
        var handler = Handler();
        var token = Token();
        await handler.ValidateTokenAsync(token, Parameters());
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"user-sub-1\"", "\"user-sub-2\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        var result = await handler.ValidateTokenAsync(tampered, Parameters());

        Assert.NotEqual(token, tampered);
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidSignatureException>(result.Exception, exactMatch: false);
        Assert.Equal(2, _inner.Calls);
    }

    public static TheoryData<string> ChangedSettings => ["audience", "issuer", "algorithms", "signing key", "token type"];

    /// <summary>
    /// The cache does not know why a token was accepted, only that it was: under settings that would
    /// refuse it, a hit must not answer for the real handler.
    /// </summary>
    [Theory]
    [MemberData(nameof(ChangedSettings))]
    public async Task A_cached_token_is_refused_once_the_settings_would_refuse_it(string changed)
    {
        var handler = Handler();
        var token = Token();
        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);

        var parameters = Parameters();
        using var otherRsa = RSA.Create(2048);
        switch (changed)
        {
            case "audience": parameters.ValidAudience = "api://someone-else"; break;
            case "issuer": parameters.ValidIssuer = "https://issuer.invalid"; break;
            case "algorithms": parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha512]; break;
            case "signing key": parameters.IssuerSigningKey = new RsaSecurityKey(otherRsa) { KeyId = "k1" }; break;
            case "token type": parameters.ValidTypes = ["at+jwt"]; break;
            default: throw new ArgumentOutOfRangeException(nameof(changed), changed, null);
        }

        var refused = await handler.ValidateTokenAsync(token, parameters);

        Assert.False(refused.IsValid);
        Assert.Equal(2, _inner.Calls);
        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task A_cached_token_is_refused_by_a_custom_lifetime_validator()
    {
        var handler = Handler();
        var token = Token();
        await handler.ValidateTokenAsync(token, Parameters());
        var parameters = Parameters();
        parameters.LifetimeValidator = static (_, _, _, _) => false;

        var refused = await handler.ValidateTokenAsync(token, parameters);

        Assert.False(refused.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(refused.Exception, exactMatch: false);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Tokens_checked_against_a_replay_cache_are_never_cached()
    {
        var handler = Handler();
        var token = Token();
        var parameters = Parameters();
        parameters.ValidateTokenReplay = true;
        parameters.TokenReplayCache = new NoReplayCache();

        await handler.ValidateTokenAsync(token, parameters);
        await handler.ValidateTokenAsync(token, parameters);

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task An_issuer_validator_that_takes_the_metadata_turns_the_cache_off()
    {
        var handler = Handler();
        var token = Token();
        var parameters = Parameters();
        parameters.IssuerValidatorUsingConfiguration = static (issuer, _, _, _) => issuer;

        await handler.ValidateTokenAsync(token, parameters);
        await handler.ValidateTokenAsync(token, parameters);

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Concurrent_additions_never_exceed_max_entries()
    {
        const int maxEntries = 8;
        var cache = new ValidatedTokenCache(new TokenCacheOptions { MaxEntries = maxEntries }, _clock);
        var validator = new JsonWebTokenHandler { MapInboundClaims = false };
        var validated = new List<(string Token, TokenValidationResult Result)>();
        for (var i = 0; i < 64; i++)
        {
            var token = Token(subject: $"s{i}");
            validated.Add((token, await validator.ValidateTokenAsync(token, Parameters())));
        }

        Parallel.ForEach(validated, new ParallelOptions { MaxDegreeOfParallelism = 8 }, pair => cache.Add(pair.Token, pair.Result));

        Assert.All(validated, pair => Assert.True(pair.Result.IsValid));
        Assert.Equal(maxEntries, cache.Count);
        Assert.Equal(maxEntries, validated.Count(pair => cache.TryGet(pair.Token, Parameters(), configuration: null) is not null));
    }

    [Fact]
    public async Task A_token_longer_than_the_handler_accepts_bypasses_the_cache()
    {
        var token = Token();
        var cache = new ValidatedTokenCache(new TokenCacheOptions(), _clock);
        var handler = new CachingTokenHandler(_inner, cache);
        await handler.ValidateTokenAsync(token, Parameters());
        _inner.MaximumTokenSizeInBytes = token.Length - 1;

        var refused = await handler.ValidateTokenAsync(token, Parameters());

        Assert.False(refused.IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Only_the_same_token_hits()
    {
        var handler = Handler();
        await handler.ValidateTokenAsync(Token(subject: "a"), Parameters());

        var other = await handler.ValidateTokenAsync(Token(subject: "b"), Parameters());

        Assert.True(other.IsValid);
        Assert.Equal(2, _inner.Calls);
        Assert.Equal("b", other.ClaimsIdentity.FindFirst("sub")?.Value);
    }

    [Fact]
    public async Task Once_its_signing_key_is_no_longer_current_the_token_is_validated_again_and_fails()
    {
        var handler = Handler();
        var token = Token();
        await handler.ValidateTokenAsync(token, Parameters());

        using var rotated = RSA.Create(2048);
        var afterRotation = await handler.ValidateTokenAsync(token, Parameters(new RsaSecurityKey(rotated) { KeyId = "k2" }));

        Assert.False(afterRotation.IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Every_hit_gets_its_own_identity()
    {
        var handler = Handler();
        var token = Token();
        var first = await handler.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new Claim("roles", "ADDED_BY_A_REQUEST"));

        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.Equal(1, _inner.Calls);
        Assert.DoesNotContain(second.ClaimsIdentity.Claims, claim => claim.Value == "ADDED_BY_A_REQUEST");
    }

    [Fact]
    public async Task Hits_share_the_caller_worked_out_once_for_the_entry()
    {
        var handler = Handler();
        var token = Token();
        var miss = await handler.ValidateTokenAsync(token, Parameters());
        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        var missCaller = AdminCaller.Of(Request(miss.ClaimsIdentity));
        var firstCaller = AdminCaller.Of(Request(first.ClaimsIdentity));
        var secondCaller = AdminCaller.Of(Request(second.ClaimsIdentity));

        Assert.Same(firstCaller, secondCaller);
        Assert.Equal("oid-1", firstCaller.ActorId);
        Assert.Equal(Roles, firstCaller.Roles);
        Assert.Equal((missCaller.ActorId, missCaller.ActorName), (firstCaller.ActorId, firstCaller.ActorName));
        Assert.Equal(missCaller.Roles, firstCaller.Roles);
        Assert.Equal("actor:oid-1", firstCaller.ActorPartitionKey);
    }

    [Fact]
    public async Task A_hit_whose_claims_were_changed_gets_the_caller_of_its_changed_claims()
    {
        var handler = Handler();
        var token = Token();
        await handler.ValidateTokenAsync(token, Parameters());
        var cachedCaller = AdminCaller.Of(Request((await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity));

        var changed = (await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        changed.AddClaim(new Claim("roles", "ADDED_BY_A_REQUEST"));
        var removed = (await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        removed.RemoveClaim(removed.FindFirst("oid"));
        var extended = Request((await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity);
        extended.User.AddIdentity(new ClaimsIdentity([new Claim("oid", "someone-else")], "other"));

        Assert.Equal(["ADMIN_READ", "ADDED_BY_A_REQUEST"], AdminCaller.Of(Request(changed)).Roles);
        Assert.Equal("user-sub-1", AdminCaller.Of(Request(removed)).ActorId);
        Assert.NotSame(cachedCaller, AdminCaller.Of(extended));
        Assert.Equal(["ADMIN_READ"], cachedCaller.Roles);
    }

    [Fact]
    public async Task The_cache_holds_at_most_max_entries_and_makes_room_from_expired_ones()
    {
        var cache = new ValidatedTokenCache(new TokenCacheOptions { MaxEntries = 2, MaxAge = TimeSpan.FromMinutes(1) }, _clock);
        var handler = new CachingTokenHandler(_inner, cache);
        foreach (var subject in new[] { "a", "b", "c" })
        {
            await handler.ValidateTokenAsync(Token(subject: subject), Parameters());
        }

        Assert.Equal(2, cache.Count);

        _clock.Advance(TimeSpan.FromMinutes(2));
        await handler.ValidateTokenAsync(Token(subject: "d"), Parameters());

        Assert.Equal(1, cache.Count);
    }

    private static DefaultHttpContext Request(ClaimsIdentity identity) => new() { User = new ClaimsPrincipal(identity) };

    private CachingTokenHandler Handler(TimeSpan? maxAge = null) => new(
        _inner, new ValidatedTokenCache(new TokenCacheOptions { MaxAge = maxAge ?? TimeSpan.FromMinutes(5) }, _clock));

    private TokenValidationParameters Parameters(SecurityKey? key = null) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = key ?? _key,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromMinutes(2),
    };

    /// <summary>Signed now by the real clock (the JWT handler validates lifetime against it).</summary>
    private string Token(DateTimeOffset? expires = null, string subject = "user-sub-1") =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = (expires ?? DateTimeOffset.UtcNow.AddMinutes(10)).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["oid"] = "oid-1", ["roles"] = Roles },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>The real JWT handler, counting how often it is asked.</summary>
    private sealed class CountingHandler : TokenHandler
    {
        private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

        public int Calls { get; private set; }

        public override int MaximumTokenSizeInBytes
        {
            get => _handler.MaximumTokenSizeInBytes;
            set => _handler.MaximumTokenSizeInBytes = value;
        }

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Calls++;
            return _handler.ValidateTokenAsync(token, validationParameters);
        }
    }

    /// <summary>Accepts every token once per call: enough to switch replay detection on.</summary>
    private sealed class NoReplayCache : ITokenReplayCache
    {
        public bool TryAdd(string securityToken, DateTime expiresOn) => true;

        public bool TryFind(string securityToken) => false;
    }
}
