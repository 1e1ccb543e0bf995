using System.Globalization;
using System.Net;
using Backoffice.Api.Database;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
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
