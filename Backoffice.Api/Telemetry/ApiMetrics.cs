using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Backoffice.Api.Telemetry;

/// <summary>
/// The API's request and authentication metrics. Instrument names are the Prometheus names of the
/// contract: the exporter adds no suffix to a counter already ending in <c>_total</c> nor a unit
/// suffix to a name already containing it (<c>s</c> → <c>seconds</c>).
/// </summary>
public sealed class ApiMetrics
{
    public const string MeterName = "Backoffice.Api";

    /// <summary>Second-scale buckets around the 200 ms p95 target.</summary>
    public static readonly IReadOnlyList<double> LatencyBucketsSeconds =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10];

    private readonly Histogram<double> _requestLatency;
    private readonly Counter<long> _requests;
    private readonly UpDownCounter<long> _inflight;
    private readonly Counter<long> _authFailures;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requestLatency = meter.CreateHistogram(
            "api_request_latency_seconds",
            unit: "s",
            description: "Admin API request latency by route template, method and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });
        _requests = meter.CreateCounter<long>(
            "api_requests_total", description: "Admin API requests by route template, method and status code.");
        _inflight = meter.CreateUpDownCounter<long>(
            "api_requests_inflight", description: "Admin API requests being served, by route template.");
        _authFailures = meter.CreateCounter<long>(
            "api_auth_failures_total", description: "Requests rejected by authentication (401) or authorization (403), by reason.");
    }

    public void RequestStarted(string route) => _inflight.Add(1, new KeyValuePair<string, object?>("route", route));

    public void RequestFinished(string route, string method, int statusCode, double seconds)
    {
        var tags = new TagList
        {
            { "route", route },
            { "method", method },
            { "status_code", BoxedStatusCode(statusCode) },
        };
        _requestLatency.Record(seconds, tags);
        _requests.Add(1, tags);
        _inflight.Add(-1, new KeyValuePair<string, object?>("route", route));
    }

    /// <summary>The status codes boxed once, not on every request.</summary>
    private static readonly object[] StatusCodes = [.. Enumerable.Range(100, 500).Select(static code => (object)code)];

    private static object BoxedStatusCode(int statusCode) =>
        statusCode is >= 100 and < 600 ? StatusCodes[statusCode - 100] : statusCode;

    public void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
