using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>
/// A minimal OpenID Connect issuer on 127.0.0.1: discovery document and JWKS (one RSA key), and the
/// tokens the tests present, good and bad, all real JWTs.
/// </summary>
public sealed class LocalOidcIssuer : IAsyncDisposable
{
    public const string Audience = "api://backoffice-admin";
    public const string KeyId = "test-key-1";

    private static readonly string[] SigningAlgorithms = [SecurityAlgorithms.RsaSha256];
    private static readonly string[] ResponseTypes = ["code"];
    private static readonly string[] SubjectTypes = ["public"];

    private readonly WebApplication _app;
    private readonly List<RSA> _retiredKeys = [];
    private RSA _rsa = RSA.Create(2048);
    private RsaSecurityKey _signingKey;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private LocalOidcIssuer(WebApplication app)
    {
        _app = app;
        _signingKey = new RsaSecurityKey(_rsa) { KeyId = KeyId };
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c>; also the <c>iss</c> of its tokens.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>
    /// Replaces the signing key by a new one with a new key id: the JWKS publishes only the new key
    /// from now on (the old one is withdrawn), and new tokens are signed with it.
    /// </summary>
    public void RotateKey()
    {
        _retiredKeys.Add(_rsa);
        _rsa = RSA.Create(2048);
        // One assignment, so the JWKS endpoint never pairs a key with another key's id.
        _signingKey = new RsaSecurityKey(_rsa) { KeyId = $"test-key-{_retiredKeys.Count + 1}" };
    }

    /// <summary>How often the JWKS was fetched (a key rotation test or a refresh shows up here).</summary>
    public int JwksRequests { get; private set; }

    public static async Task<LocalOidcIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var issuer = new LocalOidcIssuer(builder.Build());
        issuer.MapEndpoints();
        await issuer._app.StartAsync();
        issuer.Issuer = issuer._app.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return issuer;
    }

    /// <summary>A token signed by this issuer's key; every argument can be bent to make a bad one.</summary>
    public string CreateToken(
        IEnumerable<string>? roles = null,
        string roleClaim = "roles",
        string? subject = "user-sub-1",
        string? objectId = "oid-1",
        string? preferredUsername = "alice@example.test",
        string? issuer = null,
        string audience = Audience,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? expires = null,
        SigningCredentials? signingCredentials = null)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>();
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        if (objectId is not null)
        {
            claims["oid"] = objectId;
        }

        if (preferredUsername is not null)
        {
            claims["preferred_username"] = preferredUsername;
        }

        if (roles?.ToArray() is { Length: > 0 } roleValues)
        {
            claims[roleClaim] = roleValues;
        }

        var notBeforeValue = notBefore ?? now.AddMinutes(-1);
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = notBeforeValue.UtcDateTime,
            NotBefore = notBeforeValue.UtcDateTime,
            Expires = (expires ?? now.AddMinutes(10)).UtcDateTime,
            Claims = claims,
            SigningCredentials = signingCredentials ?? new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Signed with a freshly made RSA key that claims this issuer's key id.</summary>
    public string CreateTokenSignedByAnotherKey(IEnumerable<string> roles)
    {
        using var other = RSA.Create(2048);
        return CreateToken(roles, signingCredentials: new SigningCredentials(
            new RsaSecurityKey(other.ExportParameters(includePrivateParameters: true)) { KeyId = _signingKey.KeyId },
            SecurityAlgorithms.RsaSha256));
    }

    /// <summary>The classic algorithm-confusion attack: HS256 keyed with the issuer's public key (PEM).</summary>
    public string CreateHs256TokenKeyedWithPublicKey(IEnumerable<string> roles)
    {
        var publicKeyPem = _rsa.ExportSubjectPublicKeyInfoPem();
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(publicKeyPem)) { KeyId = _signingKey.KeyId };
        return CreateToken(roles, signingCredentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public string CreateUnsignedToken(IEnumerable<string> roles)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT", ["kid"] = _signingKey.KeyId };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = "user-sub-1",
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
            ["roles"] = roles.ToArray(),
        };
        return $"{Base64UrlEncoder.Encode(JsonSerializer.Serialize(header))}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.";
    }

    /// <summary>A valid token whose payload was edited afterwards (here: roles granted), signature kept.</summary>
    public string CreateTamperedToken(IEnumerable<string> grantedRoles) => Tamper(CreateToken(roles: null), grantedRoles);

    /// <summary><paramref name="token"/> with its payload's roles replaced, signature kept.</summary>
    public static string Tamper(string token, IEnumerable<string> grantedRoles)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        var edited = payload.ToDictionary(pair => pair.Key, pair => (object)pair.Value);
        edited["roles"] = grantedRoles.ToArray();
        return $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(edited))}.{parts[2]}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
        foreach (var retired in _retiredKeys)
        {
            retired.Dispose();
        }
    }

    private void MapEndpoints()
    {
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
            ["response_types_supported"] = ResponseTypes,
            ["subject_types_supported"] = SubjectTypes,
        }));
        _app.MapGet("/jwks", () =>
        {
            JwksRequests++;
            var current = _signingKey;
            var keyId = current.KeyId;
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(current.Rsa.ExportParameters(false)) { KeyId = keyId });
            return Results.Json(new
            {
                keys = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = jwk.Kty, ["use"] = "sig", ["alg"] = SecurityAlgorithms.RsaSha256,
                        ["kid"] = keyId, ["n"] = jwk.N, ["e"] = jwk.E,
                    },
                },
            });
        });
    }
}
