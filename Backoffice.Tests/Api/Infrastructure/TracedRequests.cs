using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>A response read in full, with the W3C trace id the request was sent under.</summary>
public sealed record TracedResponse(HttpResponseMessage Response, string Body, string TraceId) : IDisposable
{
    public HttpStatusCode Status => Response.StatusCode;

    public string? MediaType => Response.Content.Headers.ContentType?.MediaType;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public void Dispose() => Response.Dispose();
}

public static class TracedRequests
{
    /// <summary>
    /// Sends the request with a <c>traceparent</c> and returns the trace id the API received, so the
    /// test can find the audit row and the problem's <c>trace_id</c> by it. (The API runs in this
    /// process, whose HTTP client instrumentation may replace the header: the id is read back from
    /// the request as sent.)
    /// </summary>
    public static async Task<TracedResponse> SendTracedAsync(this HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation(
            "traceparent", $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var traceparent = request.Headers.GetValues("traceparent").Last();
        return new TracedResponse(response, body, traceparent.Split('-')[1]);
    }

    public static Task<TracedResponse> GetTracedAsync(this HttpClient client, string path) =>
        client.SendTracedAsync(HttpMethod.Get, path);
}
