using System.Net;
using Backoffice.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>
/// The real API (its own Program, middleware and DI) on Kestrel at 127.0.0.1, so clients speak
/// real HTTP and the audited client address is a real socket peer. Settings go in with
/// <c>UseSetting</c>, which Program sees before it builds (ConfigureAppConfiguration would come too late).
/// </summary>
public sealed class ApiApplication : WebApplicationFactory<AdminApiEntryPoint>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _environment;
    private readonly Action<IServiceCollection>? _configureServices;

    public LogSink Logs { get; } = new();

    /// <param name="configureServices">Services added after the API's own, e.g. a test's span exporter.</param>
    public ApiApplication(
        IReadOnlyDictionary<string, string?> settings,
        string environment = "Development",
        Action<IServiceCollection>? configureServices = null)
    {
        _settings = settings;
        _environment = environment;
        _configureServices = configureServices;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        // Pin the auth mode so an AUTH_MODE in the developer's environment cannot change a test.
        builder.UseSetting("AUTH_MODE", "");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
