using System.Net;
using System.Net.Sockets;
using Backoffice.Api.Auth;
using IPNetwork = System.Net.IPNetwork;

namespace Backoffice.Api.Limits;

/// <summary>
/// Whose budget a request spends: the authenticated actor (<c>oid</c>, else <c>sub</c>, the id the
/// audit log records) or, for a request without a valid token or with authentication disabled,
/// the client address. IPv6 clients are grouped by /64, the block one host is usually given.
/// </summary>
public readonly record struct CallerPartition(string Kind, string Key)
{
    public const string Actor = "actor";
    public const string ClientIp = "client_ip";

    public static CallerPartition Of(HttpContext httpContext, AdminAuthOptions authOptions)
    {
        if (authOptions.Mode != AuthModes.Disabled
            && AdminCaller.Of(httpContext) is { ActorId: not AdminCaller.AnonymousId } caller)
        {
            return new CallerPartition(Actor, caller.ActorPartitionKey);
        }

        return new CallerPartition(ClientIp, $"{ClientIp}:{ClientBlock(httpContext.Connection.RemoteIpAddress)}");
    }

    private static string ClientBlock(IPAddress? address) => address switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } => address.MapToIPv4().ToString(),
        { AddressFamily: AddressFamily.InterNetworkV6 } => Slash64(address),
        _ => address.ToString(),
    };

    private static string Slash64(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPNetwork(new IPAddress(bytes), 64).ToString();
    }
}
