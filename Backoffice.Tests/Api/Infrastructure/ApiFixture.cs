using System.Net.Http.Headers;
using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>
/// One API for a test class: its own migrated database, its own OIDC issuer, the API in
/// <c>oidc</c> mode trusting that issuer. Tests seed rows straight into the database and call
/// the API over HTTP.
/// </summary>
public class ApiFixture(PostgresServerFixture server) : IAsyncLifetime
{
    private ApiApplication? _app;
    private LocalOidcIssuer? _issuer;

    public ApiApplication App => _app ?? throw new InvalidOperationException("The API fixture is not initialised.");

    public LocalOidcIssuer Issuer => _issuer ?? throw new InvalidOperationException("The API fixture is not initialised.");

    public string ConnectionString { get; private set; } = "";

    public PostgresServerFixture Server => server;

    public virtual async ValueTask InitializeAsync()
    {
        ConnectionString = await server.CreateDatabaseAsync(GetType().Name);
        _issuer = await LocalOidcIssuer.StartAsync();
        _app = new ApiApplication(Settings(), configureServices: ConfigureServices);
        _app.StartServer();
        using var client = _app.CreateClient();
        BaseAddress = client.BaseAddress!;
    }

    /// <summary>The API's configuration; override to run it another way.</summary>
    protected virtual Dictionary<string, string?> Settings() => new()
    {
        [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = ConnectionString,
        ["Auth:Mode"] = "oidc",
        ["Auth:Authority"] = Issuer.Issuer,
        ["Auth:Audience"] = LocalOidcIssuer.Audience,
        ["Auth:RequireHttpsMetadata"] = "false",
        // Samples the pool and the lag often enough for a test to see them.
        ["Database:SampleInterval"] = "00:00:01",
    };

    /// <summary>Services added after the API's own; override to observe it, e.g. with an exporter.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A client presenting a valid token with <paramref name="roles"/> (none: no role at all).</summary>
    public HttpClient ClientWithRoles(params string[] roles) => ClientWithToken(Issuer.CreateToken(roles));

    /// <summary>A client allowed to look things up.</summary>
    public HttpClient Reader() => ClientWithRoles("ADMIN_READ");

    public HttpClient ClientWithToken(string token)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A plain socket client of the API.</summary>
    public HttpClient AnonymousClient() => new() { BaseAddress = BaseAddress };

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public BoDbContext CreateDbContext() => new(PostgresServerFixture.CreateContextOptions(ConnectionString));

    public async Task SeedAsync(params object[] rows)
    {
        await using var db = CreateDbContext();
        db.AddRange(rows);
        await db.SaveChangesAsync();
    }

    public async Task<List<Backoffice.Data.Audit.AdminAuditLog>> AuditRowsAsync(string traceId)
    {
        await using var db = CreateDbContext();
        return await db.AdminAuditLogs.Where(row => row.TraceId == traceId).OrderBy(row => row.Id).ToListAsync();
    }

    public async Task<string> ScrapeAsync()
    {
        using var client = AnonymousClient();
        return await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Scrapes until <paramref name="name"/> summed over <paramref name="labels"/> reaches
    /// <paramref name="expected"/> (the exporter caches a scrape for a moment), and returns it.
    /// </summary>
    public async Task<double> WaitForMetricAsync(double expected, string name, params (string Name, string Value)[] labels)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var value = PrometheusText.Sum(await ScrapeAsync(), name, labels);
            if (value >= expected || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The API with <c>AUTH_MODE=disabled</c> (local development): everyone is anonymous.</summary>
public sealed class DisabledAuthApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["AUTH_MODE"] = "disabled";
        return settings;
    }
}
