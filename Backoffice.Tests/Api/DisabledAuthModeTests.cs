using System.Net;
using Backoffice.Tests.Api.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary><c>AUTH_MODE=disabled</c> (local development): no token needed, every caller audited as anonymous.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class DisabledAuthModeTests(DisabledAuthApiFixture api) : IClassFixture<DisabledAuthApiFixture>
{
    [Fact]
    public async Task Lookups_need_no_token_and_are_audited_as_anonymous()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-dev"));

        using var response = await api.AnonymousClient().GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal("anonymous", row.ActorId);
        Assert.Null(row.ActorName);
        Assert.Empty(row.ActorRoles);
        Assert.Equal("disabled", row.AuthMode);
    }

    [Fact]
    public async Task A_presented_token_is_ignored_even_an_invalid_one()
    {
        using var response = await api.ClientWithToken("not-a-jwt").GetTracedAsync($"/admin/wallets/{Rows.NewId("w")}/tx");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("anonymous", Assert.Single(await api.AuditRowsAsync(response.TraceId)).ActorId);
    }
}
