using System.Globalization;
using System.Net;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>
/// The rate limit with authentication disabled (callers told apart by client address) and switched
/// off. Each test starts an API of its own, so they stay out of <see cref="RateLimitingTests"/>:
/// OpenTelemetry listens to meters by name across the process, and disposing a second API ends
/// the instruments a class fixture's API is still exporting, so its metric assertions would fail.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class RateLimitingModesTests(PostgresServerFixture server) : IAsyncLifetime
{
    private const int Burst = RateLimitedApiFixture.Burst;

    private string _connectionString = "";

    public async ValueTask InitializeAsync() => _connectionString = await server.CreateDatabaseAsync("api_rate_limit_modes");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task With_authentication_disabled_callers_are_told_apart_by_client_address()
    {
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = _connectionString,
            ["AUTH_MODE"] = "disabled",
            ["RateLimiting:PermitsPerSecond"] = "1",
            ["RateLimiting:Burst"] = Burst.ToString(CultureInfo.InvariantCulture),
        });
        app.StartServer();
        var baseAddress = app.CreateClient().BaseAddress!;
        using var first = RateLimitingTests.ClientFrom(IPAddress.Parse("127.0.0.2"), baseAddress);
        using var second = RateLimitingTests.ClientFrom(IPAddress.Parse("127.0.0.3"), baseAddress);

        var exhausted = await RateLimitingTests.SendInARowAsync(first, Burst + 3);
        using var served = await second.GetTracedAsync("/admin/tx/tx-nobody");

        Assert.Contains(exhausted, response => response.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.NotFound, served.Status);
        Assert.Contains(app.Logs.Records, record => record.EventId.Id == 4020
            && (string?)record.Properties["Caller"] == "client_ip:127.0.0.2");
        RateLimitingTests.Dispose(exhausted);
    }

    [Fact]
    public async Task RateLimiting_Enabled_false_switches_the_limit_off()
    {
        await using var app = new ApiApplication(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BoDbContext.ConnectionStringName}"] = _connectionString,
            ["AUTH_MODE"] = "disabled",
            ["RateLimiting:Enabled"] = "false",
            ["RateLimiting:PermitsPerSecond"] = "1",
            ["RateLimiting:Burst"] = "1",
        });
        app.StartServer();
        using var client = app.CreateClient();

        var responses = await RateLimitingTests.SendInARowAsync(client, 10);

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.NotFound, response.Status));
        RateLimitingTests.Dispose(responses);
    }
}
