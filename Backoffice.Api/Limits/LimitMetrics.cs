using System.Diagnostics.Metrics;
using Backoffice.Api.Telemetry;

namespace Backoffice.Api.Limits;

/// <summary>
/// <c>api_rate_limited_total{route,partition}</c>: requests refused with 429, by route template and
/// by what the caller was identified by (<c>actor</c> or <c>client_ip</c>; never the id itself, an
/// unbounded label). <c>api_requests_rejected_total{reason}</c>: requests the application refused
/// for their size (Kestrel's own refusals, 414 and 431, never reach it).
/// </summary>
public sealed class LimitMetrics
{
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _rejected;

    public LimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(ApiMetrics.MeterName);
        _rateLimited = meter.CreateCounter<long>(
            "api_rate_limited_total", description: "Admin API requests refused with 429 by the per-caller rate limit.");
        _rejected = meter.CreateCounter<long>(
            "api_requests_rejected_total", description: "Requests refused by the API's request limits, by reason.");
    }

    public void RateLimited(string route, string partition) =>
        _rateLimited.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("partition", partition));

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
