using System.Net;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

[Collection(ApiTestGroup.Name)]
public sealed class HealthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_migrated_database_makes_the_api_ready_and_alive()
    {
        using var client = api.AnonymousClient();

        using var health = await client.GetTracedAsync("/health");
        using var alive = await client.GetTracedAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("Healthy", health.Body);
        Assert.Equal(HttpStatusCode.OK, alive.Status);
    }

    [Fact]
    public async Task An_unmigrated_database_keeps_the_api_unready_but_alive()
    {
        var empty = await api.Server.CreateEmptyDatabaseAsync("api_health_empty", TestContext.Current.CancellationToken);
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = empty,
            ["AUTH_MODE"] = "disabled",
        });
        app.StartServer();
        using var client = app.CreateClient();

        var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task An_unreachable_database_makes_lookups_503_problems_and_the_api_unready()
    {
        // Port 1 on loopback: nothing listens, every connection is refused at once.
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = "Host=127.0.0.1;Port=1;Database=bo;Username=bo;Timeout=2",
            ["AUTH_MODE"] = "disabled",
        });
        app.StartServer();
        using var client = app.CreateClient();

        var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var lookup = await client.GetAsync("/admin/tx/tx-1", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lookup.StatusCode);
        Assert.Equal("application/problem+json", lookup.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await lookup.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("DATABASE_UNAVAILABLE", problem.GetProperty("code").GetString());
        Assert.True(problem.TryGetProperty("trace_id", out _));
    }
}
