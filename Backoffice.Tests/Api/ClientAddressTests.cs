using System.Net;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>The API behind a proxy it trusts (<c>ForwardedHeaders:KnownProxies</c>).</summary>
public sealed class TrustedProxyApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.0/8";
        return settings;
    }
}

/// <summary>The audited client address is the socket peer unless the peer is a configured proxy.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class ClientAddressTests(TrustedProxyApiFixture proxied, PostgresServerFixture server)
    : IClassFixture<TrustedProxyApiFixture>, IAsyncLifetime
{
    private readonly ApiFixture _direct = new(server);

    public ValueTask InitializeAsync() => _direct.InitializeAsync();

    public ValueTask DisposeAsync() => _direct.DisposeAsync();

    [Fact]
    public async Task X_Forwarded_For_is_ignored_unless_the_peer_is_a_known_proxy()
    {
        using var directClient = _direct.Reader();
        directClient.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        using var proxiedClient = proxied.Reader();
        proxiedClient.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");

        using var direct = await directClient.GetTracedAsync($"/admin/tx/{Rows.NewId("tx")}");
        using var viaProxy = await proxiedClient.GetTracedAsync($"/admin/tx/{Rows.NewId("tx")}");

        Assert.Equal(IPAddress.Loopback, Assert.Single(await _direct.AuditRowsAsync(direct.TraceId)).ClientIp);
        Assert.Equal(IPAddress.Parse("203.0.113.7"), Assert.Single(await proxied.AuditRowsAsync(viaProxy.TraceId)).ClientIp);
    }
}
