using System.Net;
using Backoffice.Tests.Api.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>
/// Real JWTs against the real JwtBearer pipeline, keys served by a local OIDC issuer: each token
/// gets the right status, 401/403 never reach a handler (no audit row), and every rejection is
/// counted by reason and logged by the authentication layer.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class AuthenticationTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    private readonly string _txId = Rows.NewId("tx");

    public async ValueTask InitializeAsync() => await api.SeedAsync(Rows.Entry(_txId, "w-auth"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("ADMIN_READ", "roles")]
    [InlineData("ADMIN_AUDIT", "roles")]
    [InlineData("ADMIN_READ", "role")]
    [InlineData("ADMIN_AUDIT", "role")]
    public async Task A_valid_token_with_a_lookup_role_is_served(string role, string claim)
    {
        using var client = api.ClientWithToken(api.Issuer.CreateToken([role, "SOMETHING_ELSE"], roleClaim: claim));

        using var response = await client.GetTracedAsync($"/admin/tx/{_txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Single(await api.AuditRowsAsync(response.TraceId));
    }

    [Fact]
    public async Task A_token_expired_within_the_two_minute_skew_is_still_accepted()
    {
        var token = api.Issuer.CreateToken(["ADMIN_READ"],
            notBefore: DateTimeOffset.UtcNow.AddMinutes(-10), expires: DateTimeOffset.UtcNow.AddSeconds(-60));
        using var client = api.ClientWithToken(token);

        using var response = await client.GetTracedAsync($"/admin/tx/{_txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    public static TheoryData<string, HttpStatusCode, string> Rejections => new()
    {
        { "no token", HttpStatusCode.Unauthorized, "missing_token" },
        { "not a JWT", HttpStatusCode.Unauthorized, "invalid_token" },
        { "expired", HttpStatusCode.Unauthorized, "expired" },
        { "not yet valid", HttpStatusCode.Unauthorized, "not_yet_valid" },
        { "wrong issuer", HttpStatusCode.Unauthorized, "invalid_issuer" },
        { "wrong audience", HttpStatusCode.Unauthorized, "invalid_audience" },
        { "wrong signing key", HttpStatusCode.Unauthorized, "invalid_signature" },
        { "alg none", HttpStatusCode.Unauthorized, "invalid_signature" },
        { "HS256 keyed with the public key", HttpStatusCode.Unauthorized, "invalid_signature" },
        { "tampered payload", HttpStatusCode.Unauthorized, "invalid_signature" },
        { "no role", HttpStatusCode.Forbidden, "forbidden" },
        { "other roles only", HttpStatusCode.Forbidden, "forbidden" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_rejected_token_gets_its_status_and_reason_and_leaves_no_audit_row(
        string token, HttpStatusCode expectedStatus, string reason)
    {
        var before = await api.WaitForMetricAsync(0, "api_auth_failures_total", ("reason", reason));
        using var client = Client(token);

        using var response = await client.GetTracedAsync($"/admin/tx/{_txId}");

        Assert.Equal(expectedStatus, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal(expectedStatus == HttpStatusCode.Forbidden ? "FORBIDDEN" : "UNAUTHORIZED", response.Json.GetProperty("code").GetString());
        Assert.Equal(response.TraceId, response.Json.GetProperty("trace_id").GetString());
        Assert.False(response.Json.TryGetProperty("wallet_id", out _));
        if (expectedStatus == HttpStatusCode.Unauthorized)
        {
            Assert.StartsWith("Bearer", response.Response.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
        }

        Assert.Empty(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal(before + 1, await api.WaitForMetricAsync(before + 1, "api_auth_failures_total", ("reason", reason)));
        Assert.Contains(api.App.Logs.Records, record =>
            record.Properties.TryGetValue("Reason", out var logged) && (string?)logged == reason
            && record.Properties.TryGetValue("Path", out var path) && path?.ToString() == $"/admin/tx/{_txId}");
    }

    /// <summary>
    /// With the validated-token cache on (the default): a token accepted (and cached) before does
    /// not vouch for an edited copy of it, and a refused token stays refused however often it comes.
    /// </summary>
    [Fact]
    public async Task A_tampered_copy_of_a_token_served_before_is_refused()
    {
        var token = api.Issuer.CreateToken(["USER"]);
        using var original = api.ClientWithToken(token);
        using var tampered = api.ClientWithToken(LocalOidcIssuer.Tamper(token, ["ADMIN_READ"]));

        using var forbidden = await original.GetTracedAsync($"/admin/tx/{_txId}");
        using var forbiddenAgain = await original.GetTracedAsync($"/admin/tx/{_txId}");
        using var refused = await tampered.GetTracedAsync($"/admin/tx/{_txId}");
        using var refusedAgain = await tampered.GetTracedAsync($"/admin/tx/{_txId}");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Equal(HttpStatusCode.Forbidden, forbiddenAgain.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAgain.Status);
        Assert.Equal("The bearer token's signature is not valid.", refusedAgain.Json.GetProperty("detail").GetString());
        Assert.Empty(await api.AuditRowsAsync(refusedAgain.TraceId));
    }

    [Fact]
    public async Task Only_the_admin_group_needs_a_token()
    {
        using var client = api.AnonymousClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
    }

    private HttpClient Client(string token) => token switch
    {
        "no token" => api.AnonymousClient(),
        "not a JWT" => api.ClientWithToken("not-a-jwt"),
        "expired" => api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"],
            notBefore: DateTimeOffset.UtcNow.AddMinutes(-30), expires: DateTimeOffset.UtcNow.AddMinutes(-5))),
        "not yet valid" => api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"],
            notBefore: DateTimeOffset.UtcNow.AddMinutes(5), expires: DateTimeOffset.UtcNow.AddMinutes(30))),
        "wrong issuer" => api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], issuer: "https://issuer.invalid")),
        "wrong audience" => api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], audience: "api://someone-else")),
        "wrong signing key" => api.ClientWithToken(api.Issuer.CreateTokenSignedByAnotherKey(["ADMIN_READ"])),
        "alg none" => api.ClientWithToken(api.Issuer.CreateUnsignedToken(["ADMIN_READ"])),
        "HS256 keyed with the public key" => api.ClientWithToken(api.Issuer.CreateHs256TokenKeyedWithPublicKey(["ADMIN_READ"])),
        "tampered payload" => api.ClientWithToken(api.Issuer.CreateTamperedToken(["ADMIN_READ"])),
        "no role" => api.ClientWithRoles(),
        "other roles only" => api.ClientWithRoles("USER", "admin_read"),
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, null),
    };
}
