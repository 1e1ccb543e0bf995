using System.Globalization;
using System.Net;
using Backoffice.Api.Database;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Backoffice.Tests.Api;

/// <summary>
/// The API's connections as PostgreSQL sees them. <c>Database:MaxPoolSize</c> bounds them, whatever
/// the connection string says: a burst of lookups waits for a pooled connection instead of opening
/// server sessions that stay idle for minutes and take slots the consumer needs. The sessions carry
/// the API's name, so an operator can tell whose they are.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class ConnectionPoolTests(CappedPoolApiFixture api) : IClassFixture<CappedPoolApiFixture>
{
    [Fact]
    public async Task A_burst_of_lookups_is_served_through_at_most_MaxPoolSize_server_sessions()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var wallet = Rows.NewId("w");
        await api.SeedAsync(Enumerable.Range(0, 20).Select(_ => (object)Rows.Entry(Rows.NewId("tx"), wallet)).ToArray());
        using var client = api.Reader();
        using var observer = new CancellationTokenSource();
        var sampling = SampleSessionsAsync(api.ConnectionString, CappedPoolApiFixture.ApplicationName, observer.Token);

        // Each wallet page runs its own query on its own connection: fifty at once want fifty.
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetAsync($"/admin/wallets/{wallet}/tx", cancellationToken)));
        await observer.CancelAsync();
        var mostSessions = await sampling;

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.InRange(mostSessions, 1, CappedPoolApiFixture.PoolSize);
        // Idle pooled connections stay open on the server: the burst left no more than the cap behind.
        Assert.InRange(await ServerSessions.CountAsync(api.ConnectionString, CappedPoolApiFixture.ApplicationName, cancellationToken), 1, CappedPoolApiFixture.PoolSize);
        Assert.Equal(CappedPoolApiFixture.PoolSize, await api.WaitForMetricAsync(CappedPoolApiFixture.PoolSize, "db_pool_connections_max"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task The_api_s_sessions_carry_its_name_on_the_server_unless_the_connection_string_names_them()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await api.Server.CreateDatabaseAsync("api_named_sessions", cancellationToken);
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = database,
            ["AUTH_MODE"] = "disabled",
            ["Database:WarmUpConnections"] = "2",
        });

        app.StartServer();

        // The warm-up's connections stay open in the pool, under the API's name.
        Assert.True(await ServerSessions.CountAsync(database, DatabaseExtensions.DatabaseApplicationName, cancellationToken) >= 2);
        // This fixture's connection string names its API, and that name wins.
        Assert.Equal(0L, await ServerSessions.CountAsync(api.ConnectionString, DatabaseExtensions.DatabaseApplicationName, cancellationToken));
        Assert.True(await ServerSessions.CountAsync(api.ConnectionString, CappedPoolApiFixture.ApplicationName, cancellationToken) >= 1);
    }

    [Fact]
    public async Task The_shared_transaction_lookup_runs_a_generic_plan_not_one_planned_per_execution()
    {
        // PostgreSQL's own choice (plan_cache_mode=auto) prices the lookup's id array as ten ids and
        // re-plans the statement on every execution; the API's sessions ask for generic plans.
        var cancellationToken = TestContext.Current.CancellationToken;
        var database = await api.Server.CreateDatabaseAsync("api_generic_plans", cancellationToken);
        var plans = await TxLookupPlansAsync(database, cancellationToken);
        Assert.True(plans.Generic >= 1 && plans.Custom == 0, $"generic {plans.Generic}, custom {plans.Custom}");

        // The connection string's own mode wins, and its other options are kept.
        var own = new NpgsqlConnectionStringBuilder(database) { Options = "-c statement_timeout=7s -c plan_cache_mode=force_custom_plan" }.ConnectionString;
        var ownPlans = await TxLookupPlansAsync(own, cancellationToken);
        Assert.True(ownPlans.Generic == 0 && ownPlans.Custom >= 1, $"generic {ownPlans.Generic}, custom {ownPlans.Custom}");
        Assert.Equal("7s", ownPlans.StatementTimeout);
    }

    /// <summary>
    /// Twenty transaction lookups through an API whose pool holds two connections, then both
    /// connections' prepared lookup statement: how often PostgreSQL ran it with a generic and with a
    /// custom plan (<c>pg_prepared_statements</c>, per session).
    /// </summary>
    private static async Task<(long Generic, long Custom, string StatementTimeout)> TxLookupPlansAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = connectionString,
            ["AUTH_MODE"] = "disabled",
            ["Database:MaxPoolSize"] = "2",
            ["Database:WarmUpConnections"] = "2",
        });
        app.StartServer();
        using var client = app.CreateClient();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/admin/tx/{Rows.NewId("tx")}", cancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var first = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var second = await dataSource.OpenConnectionAsync(cancellationToken);
        long generic = 0, custom = 0;
        foreach (var connection in new[] { first, second })
        {
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(sum(generic_plans), 0)::bigint, coalesce(sum(custom_plans), 0)::bigint FROM pg_prepared_statements WHERE statement LIKE '%tx_id = ANY%'",
                connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            generic += reader.GetInt64(0);
            custom += reader.GetInt64(1);
        }

        await using var timeout = new NpgsqlCommand("SHOW statement_timeout", first);
        return (generic, custom, (string)(await timeout.ExecuteScalarAsync(cancellationToken))!);
    }

    private static async Task<long> SampleSessionsAsync(string connectionString, string applicationName, CancellationToken stop)
    {
        long most = 0;
        while (!stop.IsCancellationRequested)
        {
            most = Math.Max(most, await ServerSessions.CountAsync(connectionString, applicationName, CancellationToken.None));
            try
            {
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return most;
    }
}

/// <summary>The API with <c>Database:MaxPoolSize</c> 3 and a connection string that asks for 50.</summary>
public sealed class CappedPoolApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    public const int PoolSize = 3;
    public const string ApplicationName = "bo-api-capped-pool";

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings[$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] =
            new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = ApplicationName, MaxPoolSize = 50 }.ConnectionString;
        settings["Database:MaxPoolSize"] = PoolSize.ToString(CultureInfo.InvariantCulture);
        settings["Database:WarmUpConnections"] = "1";
        return settings;
    }
}
