using System.Net;
using Backoffice.LocalInfra.Kafka;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Backoffice.LocalKafka;

/// <summary>
/// The process around the cluster: a plain host that stops on SIGTERM/Ctrl+C, or a web host when
/// the control endpoint is asked for.
/// </summary>
internal static class LocalKafkaHost
{
    public static IHost Build(LocalKafkaSettings settings, MockKafkaCluster cluster)
    {
        if (settings.ControlPort is not int controlPort)
        {
            var builder = Host.CreateApplicationBuilder();
            ConfigureLogging(builder.Logging);
            return builder.Build();
        }

        var web = WebApplication.CreateSlimBuilder();
        ConfigureLogging(web.Logging);
        web.Services.AddSingleton(cluster);
        // Same loopback address as the brokers ("localhost" listens on 127.0.0.1). Set as the
        // host's URLs so it replaces, without a warning, the ASPNETCORE_URLS an AppHost passes.
        var address = IPAddress.TryParse(settings.Host, out var parsed) ? parsed : IPAddress.Loopback;
        web.WebHost.UseUrls(new UriBuilder(Uri.UriSchemeHttp, address.ToString(), controlPort).Uri.ToString().TrimEnd('/'));

        var app = web.Build();
        app.MapControlEndpoints();
        return app;
    }

    public static string? ControlUrl(IHost host) =>
        host.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        // Stdout carries the ready line; keep the framework's start-up chatter out of it.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
        // A control port in use is reported by Program in one line, not as a start-up stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }
}
