using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>
/// The per-caller token bucket on <c>/admin</c> (here 1 request/s, bursts of 3): a caller beyond
/// its budget gets a 429 problem with <c>Retry-After</c>, counted, logged and not audited, while
/// other callers are served; the bucket refills; callers without a valid token are told apart by
/// client address. Tests that start an API of their own live in <see cref="RateLimitingModesTests"/>.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class RateLimitingTests(RateLimitedApiFixture api) : IClassFixture<RateLimitedApiFixture>
{
    private const int Burst = RateLimitedApiFixture.Burst;

    [Fact]
    public async Task A_caller_beyond_its_burst_gets_a_429_problem_with_Retry_After_that_is_counted_logged_and_not_audited()
    {
        var before = await api.WaitForMetricAsync(0, "api_rate_limited_total", ("partition", "actor"));
        using var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], objectId: "oid-burst"));

        var responses = await SendInARowAsync(client, Burst + 3);

        try
        {
            Assert.All(responses.Take(Burst), response => Assert.Equal(HttpStatusCode.NotFound, response.Status));
            var limited = responses.Skip(Burst).First(response => response.Status == HttpStatusCode.TooManyRequests);
            Assert.Equal("application/problem+json", limited.MediaType);
            Assert.Equal("RATE_LIMITED", limited.Json.GetProperty("code").GetString());
            Assert.Equal(429, limited.Json.GetProperty("status").GetInt32());
            Assert.Equal(limited.TraceId, limited.Json.GetProperty("trace_id").GetString());
            var retryAfter = int.Parse(limited.Response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 2);

            Assert.Empty(await api.AuditRowsAsync(limited.TraceId));
            Assert.Single(await api.AuditRowsAsync(responses[0].TraceId));
            Assert.True(await api.WaitForMetricAsync(before + 1, "api_rate_limited_total",
                ("partition", "actor"), ("route", "/admin/tx/{tx_id}")) >= before + 1);
            Assert.True(await api.WaitForMetricAsync(1, "api_requests_total", ("status_code", "429")) >= 1);
            Assert.Contains(api.App.Logs.Records, record => record.EventId.Id == 4020
                && (string?)record.Properties["Caller"] == "actor:oid-burst");
        }
        finally
        {
            Dispose(responses);
        }
    }

    [Fact]
    public async Task Each_caller_has_its_own_budget()
    {
        using var greedy = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], objectId: "oid-greedy"));
        using var other = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_AUDIT"], objectId: "oid-patient"));

        var exhausted = await SendInARowAsync(greedy, Burst + 3);
        using var served = await other.GetTracedAsync("/admin/tx/tx-nobody");

        Assert.Contains(exhausted, response => response.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.NotFound, served.Status);
        Dispose(exhausted);
    }

    [Fact]
    public async Task An_exhausted_budget_refills_at_the_configured_rate()
    {
        using var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ"], objectId: "oid-refill"));
        var exhausted = await SendInARowAsync(client, Burst + 3);
        var limited = exhausted.Last(response => response.Status == HttpStatusCode.TooManyRequests);
        var retryAfter = int.Parse(limited.Response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Dispose(exhausted);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        using var afterWaiting = await client.GetTracedAsync("/admin/tx/tx-nobody");

        Assert.Equal(HttpStatusCode.NotFound, afterWaiting.Status);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_spend_their_client_address_budget()
    {
        var before = await api.WaitForMetricAsync(0, "api_rate_limited_total", ("partition", "client_ip"));
        using var anonymous = api.AnonymousClient();

        var responses = await SendInARowAsync(anonymous, Burst + 3);

        Assert.All(responses.Take(Burst), response => Assert.Equal(HttpStatusCode.Unauthorized, response.Status));
        Assert.Contains(responses.Skip(Burst), response => response.Status == HttpStatusCode.TooManyRequests);
        Assert.True(await api.WaitForMetricAsync(before + 1, "api_rate_limited_total", ("partition", "client_ip")) >= before + 1);
        Assert.Contains(api.App.Logs.Records, record => record.EventId.Id == 4020
            && (string?)record.Properties["Caller"] == "client_ip:127.0.0.1");
        Dispose(responses);
    }

    internal static async Task<List<TracedResponse>> SendInARowAsync(HttpClient client, int count)
    {
        var responses = new List<TracedResponse>(count);
        for (var i = 0; i < count; i++)
        {
            responses.Add(await client.GetTracedAsync("/admin/tx/tx-nobody"));
        }

        return responses;
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127/8 address is loopback).</summary>
    internal static HttpClient ClientFrom(IPAddress localAddress, Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = baseAddress,
    };

    internal static void Dispose(IEnumerable<TracedResponse> responses)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}

/// <summary>The API with a tight per-caller limit: 1 request per second, bursts of <see cref="Burst"/>.</summary>
public sealed class RateLimitedApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    public const int Burst = 3;

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["RateLimiting:PermitsPerSecond"] = "1";
        settings["RateLimiting:Burst"] = Burst.ToString(CultureInfo.InvariantCulture);
        return settings;
    }
}
