using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Backoffice.Tests.Api;

/// <summary>
/// Start-up warms the lookups before the server listens, so the first callers do not queue behind
/// query compilation and connection set-up; a dependency that is down only delays start-up by the
/// warm-up's time limit.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class WarmUpTests(PostgresServerFixture server)
{
    [Fact]
    public async Task Start_up_opens_pooled_connections_and_runs_every_lookup_query_without_auditing_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await server.CreateDatabaseAsync("api_warm_up", cancellationToken);
        var applicationName = "bo-api-warm-up-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = new NpgsqlConnectionStringBuilder(database) { ApplicationName = applicationName }.ConnectionString,
            ["AUTH_MODE"] = "disabled",
            ["Database:WarmUpConnections"] = "3",
        });

        app.StartServer();

        // Before any request: the pool's connections are open on the server, and the log says the lookups ran.
        Assert.True(await ServerSessions.CountAsync(database, applicationName, cancellationToken) >= 3);
        var warmedUp = Assert.Single(app.Logs.Records, r => r.Message.StartsWith("Lookups warmed up", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, warmedUp.Level);
        Assert.DoesNotContain(app.Logs.Records, r => r.Level >= LogLevel.Warning);

        // The warm-up is not an administrator's lookup: it leaves no audit row.
        await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(database));
        Assert.Equal(0, await db.AdminAuditLogs.CountAsync(cancellationToken));
    }

    [Fact]
    public async Task An_issuer_that_does_not_answer_delays_start_up_only_by_the_warm_up_timeout()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await server.CreateDatabaseAsync("api_warm_up_issuer", cancellationToken);
        // Accepts connections (the kernel's backlog) but never answers: a hung identity provider.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = database,
            ["Auth:Mode"] = "oidc",
            ["Auth:Authority"] = $"http://127.0.0.1:{port}/",
            ["Auth:Audience"] = LocalOidcIssuer.Audience,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Database:WarmUpTimeout"] = "00:00:02",
        });

        var clock = Stopwatch.StartNew();
        app.StartServer();
        clock.Stop();

        // Without the limit start-up would wait for the metadata request's own 60 s timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"start-up took {clock.Elapsed}");
        Assert.Contains(app.Logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("did not finish within 00:00:02", StringComparison.Ordinal));
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive", cancellationToken)).StatusCode);
        // The database part finished regardless: lookups answer (401 without a token, not a 5xx).
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/tx/tx-1", cancellationToken)).StatusCode);
    }
}
