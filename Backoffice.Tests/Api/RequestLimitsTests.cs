using System.Net;
using System.Text;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>
/// The <c>Limits</c> section reaches Kestrel (a real listener: the in-memory test server enforces
/// none of them): request line, header count and size, header timeout. What Kestrel refuses has no
/// body; the body limit, which the application enforces, is a 413 problem.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class RequestLimitsTests(TightLimitsApiFixture api) : IClassFixture<TightLimitsApiFixture>
{
    [Fact]
    public async Task A_request_line_beyond_Limits_MaxRequestLineSize_is_414_from_Kestrel()
    {
        var within = await SendAsync($"/admin/tx/tx-nobody?pad={new string('a', 1_900)}");
        var beyond = await SendAsync($"/admin/tx/tx-nobody?pad={new string('a', 2_100)}");

        Assert.Equal(404, within.Status);
        Assert.Equal(414, beyond.Status);
        Assert.Equal("", beyond.Body);
    }

    [Fact]
    public async Task More_headers_than_Limits_MaxRequestHeaderCount_is_431_from_Kestrel()
    {
        var within = await SendAsync("/admin/tx/tx-nobody", Headers(10, 10));
        var beyond = await SendAsync("/admin/tx/tx-nobody", Headers(25, 10));

        Assert.Equal(404, within.Status);
        Assert.Equal(431, beyond.Status);
        Assert.Equal("", beyond.Body);
    }

    [Fact]
    public async Task Headers_larger_than_Limits_MaxRequestHeadersTotalSize_are_431_from_Kestrel()
    {
        var within = await SendAsync("/admin/tx/tx-nobody", Headers(1, 4_000));
        var beyond = await SendAsync("/admin/tx/tx-nobody", Headers(1, 9_000));

        Assert.Equal(404, within.Status);
        Assert.Equal(431, beyond.Status);
        Assert.Equal("", beyond.Body);
    }

    [Fact]
    public async Task A_body_beyond_Limits_MaxRequestBodySize_is_a_413_problem_on_a_closed_connection()
    {
        var before = await api.WaitForMetricAsync(0, "api_requests_rejected_total", ("reason", "body_too_large"));

        var response = await SendAsync("/admin/tx/tx-nobody", body: "x");

        Assert.Equal(413, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Contains("\"code\":\"PAYLOAD_TOO_LARGE\"", response.Body, StringComparison.Ordinal);
        Assert.Contains("\"trace_id\":", response.Body, StringComparison.Ordinal);
        Assert.Equal("close", response.Headers["connection"]);
        Assert.True(await api.WaitForMetricAsync(before + 1, "api_requests_rejected_total", ("reason", "body_too_large")) >= before + 1);
    }

    [Fact]
    public async Task A_client_that_does_not_finish_its_headers_within_Limits_RequestHeadersTimeout_is_disconnected()
    {
        var (elapsed, received) = await RawHttp.SendAndAwaitCloseAsync(
            api.BaseAddress, "GET /admin/tx/tx-nobody HTTP/1.1\r\nHost: api\r\nX-Slow: ", TimeSpan.FromSeconds(10));

        // Kestrel checks its timeouts once a second.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        var answer = Encoding.Latin1.GetString(received);
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    private async Task<RawResponse> SendAsync(string target, string headers = "", string? body = null)
    {
        var request = new StringBuilder()
            .Append("GET ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: api\r\n")
            .Append("Authorization: Bearer ").Append(api.Issuer.CreateToken(["ADMIN_READ"])).Append("\r\n")
            .Append(headers)
            .Append(body is null ? "" : $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n")
            .Append("Connection: close\r\n\r\n")
            .Append(body)
            .ToString();
        return await RawHttp.SendAsync(api.BaseAddress, request);
    }

    private static string Headers(int count, int valueLength) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"X-Extra-{i}: {new string('v', valueLength)}\r\n"));
}

/// <summary>The API with small, non-default <c>Limits</c>, to show each one is applied.</summary>
public sealed class TightLimitsApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Limits:MaxRequestLineSize"] = "2048";
        settings["Limits:MaxRequestHeaderCount"] = "20";
        settings["Limits:MaxRequestHeadersTotalSize"] = "8192";
        settings["Limits:MaxRequestBodySize"] = "0";
        settings["Limits:RequestHeadersTimeout"] = "00:00:01";
        return settings;
    }
}
