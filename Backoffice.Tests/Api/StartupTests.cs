using System.Diagnostics;
using Backoffice.Api.Auth;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Data;
using Backoffice.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Tokens;

namespace Backoffice.Tests.Api;

/// <summary>Start-up refuses unsafe or broken settings, naming the key; the Entra rule picks Microsoft.Identity.Web.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class StartupTests(PostgresServerFixture server) : IAsyncLifetime
{
    private string _connectionString = "";

    public async ValueTask InitializeAsync() => _connectionString = await server.CreateDatabaseAsync("api_startup");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, string, string> RefusedProcessSettings => new()
    {
        { "AUTH_MODE", "disabled", "refused in the Production environment" },
        { "RateLimiting__PermitsPerSecond", "0", "RateLimiting:PermitsPerSecond must be between 1 and 1000000" },
        { "RateLimiting__Enabled", "maybe", "RateLimiting:Enabled" },
    };

    [Theory]
    [MemberData(nameof(RefusedProcessSettings))]
    public async Task The_api_process_refuses_bad_settings_with_one_message_and_exit_code_1(string variable, string value, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__Authority"] = "https://issuer.example",
            ["Auth__Audience"] = "api://backoffice",
            ["ConnectionStrings__backoffice"] = _connectionString,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        environment[variable] = value;

        var (exitCode, output) = await DotnetProgram.RunAsync(ApiDll, [], environment, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("Backoffice.Api refused to start: ", output, StringComparison.Ordinal);
        Assert.Contains(message, output, StringComparison.Ordinal);
        // No unhandled-exception abort: no runtime banner, no stack frames.
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at ", output);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Auth:Mode", "sometimes", "Auth:Mode (or AUTH_MODE) must be 'disabled' or 'oidc'" },
        { "Auth:Authority", "", "Auth:Authority is required" },
        { "Auth:Authority", "not a url", "Auth:Authority must be an absolute http(s) URL" },
        { "Auth:Authority", "http://issuer.example", "Auth:Authority must use https unless Auth:RequireHttpsMetadata is false" },
        { "Auth:Audience", "", "Auth:Audience is required" },
        { "Auth:ClockSkew", "00:05:00", "Auth:ClockSkew must be between 00:00:00 and 00:02:00" },
        { "Auth:RequireHttpsMetadata", "maybe", "Auth:RequireHttpsMetadata" },
        { "AzureAd:ClientId", "client-1", "AzureAd:ClientId selects Microsoft Entra ID; leave Auth:Authority and Auth:Audience empty" },
        { "ConnectionStrings:backoffice", "", "ConnectionStrings:backoffice is required" },
        { "ConnectionStrings:backoffice", "Host=127.0.0.1;Database=bo;Multiplexing=true", "ConnectionStrings:backoffice must not enable Multiplexing" },
        { "Lookups:CursorKey", "c2hvcnQ=", "Lookups:CursorKey must be base64 of at least 32 bytes" },
        { "Lookups:TxBatchSize", "0", "Lookups:TxBatchSize must be between 1 and 1000" },
        { "Lookups:TxBatchConcurrency", "65", "Lookups:TxBatchConcurrency must be between 1 and 64" },
        { "Audit:MaxBatchSize", "0", "MaxBatchSize" },
        { "ForwardedHeaders:KnownProxies:0", "proxy.example", "ForwardedHeaders:KnownProxies must list IP addresses or CIDR networks" },
        { "RateLimiting:PermitsPerSecond", "0", "RateLimiting:PermitsPerSecond must be between 1 and 1000000" },
        { "RateLimiting:Burst", "10", "RateLimiting:Burst must be at least 1000" },
        { "RateLimiting:Enabled", "maybe", "RateLimiting:Enabled" },
        { "Limits:MaxRequestLineSize", "100", "Limits:MaxRequestLineSize must be between 2048 and 65536 bytes" },
        { "Limits:MaxRequestHeadersTotalSize", "2000000", "Limits:MaxRequestHeadersTotalSize must be between 4096 and 1048576 bytes" },
        { "Limits:MaxRequestHeaderCount", "5", "Limits:MaxRequestHeaderCount must be between 16 and 1000" },
        { "Limits:MaxRequestBodySize", "-1", "Limits:MaxRequestBodySize must be between 0 and 1048576 bytes" },
        { "Limits:RequestHeadersTimeout", "00:00:00", "Limits:RequestHeadersTimeout must be between 00:00:01 and 00:05:00" },
        { "Database:CommandTimeout", "0", "Database:CommandTimeout must be between 1 and 600 seconds" },
        { "Database:MaxAutoPrepare", "-1", "Database:MaxAutoPrepare must be between 0 and 256" },
        { "Database:WarmUpConnections", "101", "Database:WarmUpConnections must be between 0 and 100" },
        { "Database:WarmUpConnections", "17", "Database:WarmUpConnections (17) must not exceed Database:MaxPoolSize (16)" },
        { "Database:MaxPoolSize", "0", "Database:MaxPoolSize must be between 1 and 1000" },
        { "ConnectionStrings:backoffice", "Host=127.0.0.1;Database=bo;Minimum Pool Size=20", "sets Minimum Pool Size 20, above Database:MaxPoolSize (16)" },
        { "Database:WarmUpTimeout", "00:00:00", "Database:WarmUpTimeout must be between 00:00:01 and 00:05:00" },
        { "Auth:TokenCache:MaxEntries", "0", "Auth:TokenCache:MaxEntries must be between 1 and 1000000" },
        { "Auth:TokenCache:MaxAge", "02:00:00", "Auth:TokenCache:MaxAge must be more than 00:00:00 and at most 01:00:00" },
        { "Auth:TokenCache:Enabled", "maybe", "Auth:TokenCache:Enabled" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_stops_start_up_naming_its_key(string key, string value, string message)
    {
        var settings = OidcSettings();
        settings[key] = value;
        await using var app = new ApiApplication(settings, "Staging");

        var exception = Assert.ThrowsAny<Exception>(app.StartServer);

        Assert.Contains(message, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_auth_is_refused_in_Production_but_allowed_elsewhere()
    {
        var settings = OidcSettings();
        settings["AUTH_MODE"] = "disabled";

        await using (var production = new ApiApplication(settings, "Production"))
        {
            var exception = Assert.ThrowsAny<Exception>(production.StartServer);
            Assert.Contains("refused in the Production environment", exception.ToString(), StringComparison.Ordinal);
        }

        await using var staging = new ApiApplication(settings, "Staging");
        staging.StartServer();
    }

    [Fact]
    public async Task AzureAd_ClientId_selects_Microsoft_Identity_Web_with_the_same_hardening()
    {
        var settings = OidcSettings();
        settings.Remove("Auth:Authority");
        settings.Remove("Auth:Audience");
        settings["AzureAd:Instance"] = "https://login.microsoftonline.com/";
        settings["AzureAd:TenantId"] = "11111111-2222-3333-4444-555555555555";
        settings["AzureAd:ClientId"] = "66666666-7777-8888-9999-000000000000";
        await using var app = new ApiApplication(settings, "Production");
        app.StartServer();

        var jwt = app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var identity = app.Services.GetRequiredService<IOptionsMonitor<MicrosoftIdentityOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.Equal("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0", jwt.Authority);
        Assert.True(identity.AllowWebApiToBeAuthorizedByACL);
        Assert.False(jwt.MapInboundClaims);
        Assert.True(jwt.TokenValidationParameters.RequireSignedTokens);
        Assert.Equal(TimeSpan.FromMinutes(2), jwt.TokenValidationParameters.ClockSkew);
        Assert.DoesNotContain("HS256", jwt.TokenValidationParameters.ValidAlgorithms!);
        Assert.Contains("RS256", jwt.TokenValidationParameters.ValidAlgorithms!);
        Assert.All(jwt.TokenHandlers, handler => Assert.IsType<CachingTokenHandler>(handler));
        Assert.False(Assert.IsAssignableFrom<BaseConfigurationManager>(jwt.ConfigurationManager).UseLastKnownGoodConfiguration);
    }

    [Fact]
    public async Task Production_serves_the_OpenAPI_document_but_not_the_reference_ui()
    {
        await using var app = new ApiApplication(OidcSettings(), "Production");
        app.StartServer();
        using var client = app.CreateClient();

        var document = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var ui = await client.GetAsync("/scalar/v1", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, document.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ui.StatusCode);
    }

    private Dictionary<string, string?> OidcSettings() => new()
    {
        [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = _connectionString,
        ["Auth:Mode"] = "oidc",
        ["Auth:Authority"] = "https://issuer.example",
        ["Auth:Audience"] = "api://backoffice",
    };

    private static string ApiDll
    {
        get
        {
            // Tests run from <repo>/Backoffice.Tests/bin/<Configuration>/<tfm>/; the API builds beside it.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var dll = RepositoryPaths.Combine("Backoffice.Api", "bin", output.Parent!.Name, output.Name, "Backoffice.Api.dll");
            Debug.Assert(File.Exists(dll), $"{dll} is not built");
            return dll;
        }
    }
}
