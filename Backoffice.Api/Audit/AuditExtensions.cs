using System.Net;
using Backoffice.Api.Limits;
using Backoffice.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Backoffice.Api.Audit;

public static class AuditExtensions
{
    public const string ForwardedHeadersSectionName = "ForwardedHeaders";

    /// <summary>The audit log writer (group commit) and the settings of the audited client address.</summary>
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>()
            .BindConfiguration(AuditOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditWriter>());
        builder.Services.AddSingleton<LookupAuditFilter>();
        builder.Services.AddSingleton<QueryTimeoutFilter>();

        var proxies = ReadTrustedProxies(builder.Configuration);
        if (proxies.Count > 0)
        {
            builder.Services.Configure<ForwardedHeadersOptions>(options =>
            {
                options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                foreach (var network in proxies)
                {
                    options.KnownIPNetworks.Add(network);
                }
            });
        }

        return builder;
    }

    /// <summary>
    /// <c>X-Forwarded-For</c> is honoured only from the proxies in <c>ForwardedHeaders:KnownProxies</c>
    /// (addresses or CIDR networks); without them the audited client IP is the socket peer, so a
    /// caller cannot choose the address recorded against it.
    /// </summary>
    public static WebApplication UseTrustedForwardedHeaders(this WebApplication app)
    {
        if (ReadTrustedProxies(app.Configuration).Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    private static List<IPNetwork> ReadTrustedProxies(IConfiguration configuration)
    {
        var key = $"{ForwardedHeadersSectionName}:KnownProxies";
        var networks = new List<IPNetwork>();
        foreach (var value in configuration.GetSection(key).Get<string[]>() ?? [])
        {
            if (IPNetwork.TryParse(value, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(value, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new InvalidSettingsException($"{key} must list IP addresses or CIDR networks; '{value}' is neither.");
            }
        }

        return networks;
    }
}
