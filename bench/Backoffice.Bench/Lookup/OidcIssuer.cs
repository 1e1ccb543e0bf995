using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Backoffice.Bench.Lookup;

/// <summary>
/// A minimal OpenID Connect issuer on loopback: discovery metadata and a JWKS with one RSA key, and
/// RS256 tokens signed with it, so the API validates real signatures exactly as it would against Entra ID.
/// </summary>
public sealed class OidcIssuer : IAsyncDisposable
{
    private const string KeyId = "bench-rsa-1";
    private readonly RSA _key = RSA.Create(2048);
    private readonly WebApplication _app;

    private OidcIssuer(WebApplication app, Uri authority)
    {
        _app = app;
        Authority = authority;
    }

    public Uri Authority { get; }

    public string Issuer => Authority.ToString().TrimEnd('/');

    public static async Task<OidcIssuer> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var issuer = new OidcIssuer(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapGet("/.well-known/openid-configuration", (HttpContext http) => Json(http, issuer.Metadata()));
        app.MapGet("/jwks", (HttpContext http) => Json(http, issuer.Jwks()));
        await app.StartAsync(cancellationToken);
        return issuer;
    }

    /// <summary>A signed access token for the API: audience, issuer, lifetime, and an admin role.</summary>
    public string CreateToken(string audience, string subject, IEnumerable<string> roles, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = KeyId };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["oid"] = subject,
            ["preferred_username"] = $"{subject}@bench.local",
            ["roles"] = roles.ToArray(),
            ["iat"] = now,
            ["nbf"] = now - 5,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        };
        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
    }

    private Dictionary<string, object> Metadata() => new()
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = $"{Issuer}/jwks",
        ["authorization_endpoint"] = $"{Issuer}/authorize",
        ["token_endpoint"] = $"{Issuer}/token",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
    };

    private Dictionary<string, object> Jwks()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = KeyId,
                    ["n"] = Base64Url(parameters.Modulus!),
                    ["e"] = Base64Url(parameters.Exponent!),
                },
            },
        };
    }

    private static Task Json(HttpContext http, object body)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
