using System.Net;
using System.Security.Claims;
using Backoffice.Api.Auth;
using Backoffice.Api.Limits;
using Backoffice.Tests.Api.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Backoffice.Tests.Api;

/// <summary>Whose rate-limit budget a request spends.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class CallerPartitionTests
{
    private static readonly AdminAuthOptions Oidc = new() { Mode = AuthModes.Oidc };
    private static readonly AdminAuthOptions Disabled = new() { Mode = AuthModes.Disabled };

    [Theory]
    [InlineData("oid", "oid-1", "actor:oid-1")]
    [InlineData("sub", "sub-1", "actor:sub-1")]
    public void An_authenticated_caller_is_its_actor_id(string claim, string value, string key)
    {
        var partition = CallerPartition.Of(Request("192.0.2.1", new Claim(claim, value)), Oidc);

        Assert.Equal(new CallerPartition(CallerPartition.Actor, key), partition);
    }

    [Theory]
    [InlineData("192.0.2.7", "client_ip:192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "client_ip:192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "client_ip:2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "client_ip:2001:db8:1:2::/64")]
    [InlineData(null, "client_ip:unknown")]
    public void A_caller_without_a_valid_token_is_its_client_address_and_IPv6_its_64_block(string? address, string key)
    {
        var partition = CallerPartition.Of(Request(address), Oidc);

        Assert.Equal(new CallerPartition(CallerPartition.ClientIp, key), partition);
    }

    [Fact]
    public void With_authentication_disabled_every_caller_is_its_client_address()
    {
        var partition = CallerPartition.Of(Request("192.0.2.9", new Claim("oid", "oid-1")), Disabled);

        Assert.Equal(new CallerPartition(CallerPartition.ClientIp, "client_ip:192.0.2.9"), partition);
    }

    private static DefaultHttpContext Request(string? address, params Claim[] claims)
    {
        var context = new DefaultHttpContext
        {
            User = claims.Length == 0 ? new ClaimsPrincipal(new ClaimsIdentity()) : new ClaimsPrincipal(new ClaimsIdentity(claims, "Bearer")),
        };
        context.Connection.RemoteIpAddress = address is null ? null : IPAddress.Parse(address);
        return context;
    }
}
