using System.Net;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>The API without clock skew, so a token's expiry is exact.</summary>
public sealed class NoClockSkewApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Auth:ClockSkew"] = "00:00:00";
        return settings;
    }
}

/// <summary>
/// The validated-token cache never lets a token do more than full validation would: a cached token
/// stops working when it expires, and when the key that signed it is withdrawn from the issuer's
/// JWKS. (The cache's own rules are in <see cref="ValidatedTokenCacheTests"/>.)
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class TokenCacheTests(NoClockSkewApiFixture api) : IClassFixture<NoClockSkewApiFixture>, IAsyncLifetime
{
    private readonly string _txId = Rows.NewId("tx");

    public async ValueTask InitializeAsync() => await api.SeedAsync(Rows.Entry(_txId, "w-cache"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_cached_token_is_rejected_as_expired_once_its_exp_has_passed()
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeSeconds());
        using var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], expires: expires));

        using var fresh = await client.GetTracedAsync($"/admin/tx/{_txId}");
        using var again = await client.GetTracedAsync($"/admin/tx/{_txId}");
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        using var expired = await client.GetTracedAsync($"/admin/tx/{_txId}");

        Assert.Equal(HttpStatusCode.OK, fresh.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("The bearer token has expired.", expired.Json.GetProperty("detail").GetString());
        Assert.Empty(await api.AuditRowsAsync(expired.TraceId));
    }

    [Fact]
    public async Task After_a_key_rotation_a_cached_token_signed_by_the_withdrawn_key_is_rejected() =>
        await KeyRotation.AssertWithdrawnKeyIsRejectedAsync(api, _txId);
}

/// <summary>
/// Without the cache too: a key the issuer withdrew from its JWKS is revoked as soon as the API has
/// refreshed the keys (IdentityModel's "last known good" metadata, which would accept it for another
/// hour, is off).
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class KeyRotationWithoutTokenCacheTests(KeyRotationWithoutTokenCacheTests.Fixture api)
    : IClassFixture<KeyRotationWithoutTokenCacheTests.Fixture>, IAsyncLifetime
{
    private readonly string _txId = Rows.NewId("tx");

    public async ValueTask InitializeAsync() => await api.SeedAsync(Rows.Entry(_txId, "w-rotation"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task After_a_key_rotation_a_token_signed_by_the_withdrawn_key_is_rejected() =>
        await KeyRotation.AssertWithdrawnKeyIsRejectedAsync(api, _txId);

    public sealed class Fixture(PostgresServerFixture server) : ApiFixture(server)
    {
        protected override Dictionary<string, string?> Settings()
        {
            var settings = base.Settings();
            settings["Auth:TokenCache:Enabled"] = "false";
            return settings;
        }
    }
}

internal static class KeyRotation
{
    /// <summary>
    /// A token is served, the issuer rotates its key (the old one leaves the JWKS), a token with the
    /// new key makes the API refresh its keys; then the first token is refused.
    /// </summary>
    public static async Task AssertWithdrawnKeyIsRejectedAsync(ApiFixture api, string txId)
    {
        using var oldKeyClient = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"]));
        using var served = await oldKeyClient.GetTracedAsync($"/admin/tx/{txId}");
        Assert.Equal(HttpStatusCode.OK, served.Status);

        api.Issuer.RotateKey();
        using var newKeyClient = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"]));
        // The first token with the unknown key id makes the API refresh the issuer's keys.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode newKeyStatus;
        do
        {
            using var response = await newKeyClient.GetTracedAsync($"/admin/tx/{txId}");
            newKeyStatus = response.Status;
            if (newKeyStatus != HttpStatusCode.OK)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        while (newKeyStatus != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        using var withdrawn = await oldKeyClient.GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, newKeyStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, withdrawn.Status);
        Assert.Equal("The bearer token's signature is not valid.", withdrawn.Json.GetProperty("detail").GetString());
        Assert.Empty(await api.AuditRowsAsync(withdrawn.TraceId));
    }
}
