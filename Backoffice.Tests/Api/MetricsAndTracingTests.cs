using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>The exact Prometheus names of the contract, as the real <c>/metrics</c> serves them, and the lookup spans.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class MetricsAndTracingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Metrics_carries_the_contract_names_labels_and_types()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-metrics"));
        var baseline = await api.ScrapeAsync();
        using (var found = await api.Reader().GetTracedAsync($"/admin/tx/{txId}"))
        using (var listed = await api.Reader().GetTracedAsync("/admin/wallets/w-metrics/tx"))
        using (var missing = await api.Reader().GetTracedAsync($"/admin/payment-orders/{Rows.NewId("po")}"))
        using (var denied = await api.AnonymousClient().GetTracedAsync($"/admin/tx/{txId}"))
        using (var unmatched = await api.Reader().GetTracedAsync("/admin/nowhere"))
        {
            Assert.Equal(HttpStatusCode.OK, found.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, denied.Status);
        }

        await api.WaitForMetricAsync(
            PrometheusText.Sum(baseline, "api_requests_total", ("route", "unmatched")) + 1, "api_requests_total", ("route", "unmatched"));
        await api.WaitForMetricAsync(1, "db_pool_connections_max");
        var text = await api.ScrapeAsync();

        Assert.Equal("histogram", PrometheusText.TypeOf(text, "api_request_latency_seconds"));
        Assert.Equal("counter", PrometheusText.TypeOf(text, "api_requests_total"));
        Assert.Equal("gauge", PrometheusText.TypeOf(text, "api_requests_inflight"));
        Assert.Equal("counter", PrometheusText.TypeOf(text, "api_auth_failures_total"));
        Assert.Equal("histogram", PrometheusText.TypeOf(text, "db_query_latency_seconds"));
        Assert.Equal("counter", PrometheusText.TypeOf(text, "db_queries_total"));
        foreach (var gauge in new[] { "db_pool_connections_idle", "db_pool_connections_busy", "db_pool_connections_max", "db_replication_lag_seconds" })
        {
            Assert.Equal("gauge", PrometheusText.TypeOf(text, gauge));
        }

        (string, string) Route(string route) => ("route", route);
        double Delta(string name, params (string, string)[] labels) =>
            PrometheusText.Sum(text, name, labels) - PrometheusText.Sum(baseline, name, labels);
        Assert.Equal(1, Delta("api_requests_total", Route("/admin/tx/{tx_id}"), ("method", "GET"), ("status_code", "200")));
        Assert.Equal(1, Delta("api_requests_total", Route("/admin/tx/{tx_id}"), ("method", "GET"), ("status_code", "401")));
        Assert.Equal(1, Delta("api_requests_total", Route("/admin/payment-orders/{order_id}"), ("status_code", "404")));
        Assert.Equal(1, Delta("api_requests_total", Route("/admin/wallets/{wallet_id}/tx"), ("status_code", "200")));
        Assert.Equal(1, Delta("api_requests_total", Route("unmatched"), ("status_code", "404")));
        Assert.Equal(2, Delta("api_request_latency_seconds_count", Route("/admin/tx/{tx_id}")));
        // Second-scale buckets around the 200 ms target.
        Assert.Contains(PrometheusText.Samples(text), sample =>
            sample.Name == "api_request_latency_seconds_bucket" && sample.Labels.GetValueOrDefault("le") == "0.2");
        Assert.Equal(0, PrometheusText.Sum(text, "api_requests_inflight", Route("/admin/tx/{tx_id}")));
        Assert.Equal(1, Delta("api_auth_failures_total", ("reason", "missing_token")));

        Assert.Equal(1, Delta("db_queries_total", ("query", "get_tx"), ("outcome", "success")));
        Assert.Equal(1, Delta("db_queries_total", ("query", "get_payment_order"), ("outcome", "success")));
        Assert.Equal(1, Delta("db_queries_total", ("query", "list_wallet_tx"), ("outcome", "success")));
        Assert.Equal(3, Delta("db_queries_total", ("query", "insert_audit"), ("outcome", "success")));
        Assert.Equal(1, Delta("db_query_latency_seconds_count", ("query", "get_tx")));
        // Database:MaxPoolSize's default, not Npgsql's 100.
        Assert.Equal(16, PrometheusText.Sum(text, "db_pool_connections_max"));
        Assert.True(PrometheusText.Sum(text, "db_pool_connections_idle") + PrometheusText.Sum(text, "db_pool_connections_busy") >= 1);
        Assert.True(PrometheusText.HasSample(text, "db_replication_lag_seconds"));
        Assert.Equal(0, PrometheusText.Sum(text, "db_replication_lag_seconds"));
    }

    [Fact]
    public async Task A_lookup_span_is_tagged_with_the_looked_up_id()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var orderId = Rows.NewId("po");
        var wallet = Rows.NewId("w");
        var txId = Rows.NewId("tx");

        using var tx = await api.Reader().GetTracedAsync($"/admin/tx/{txId}");
        using var order = await api.Reader().GetTracedAsync($"/admin/payment-orders/{orderId}");
        using var list = await api.Reader().GetTracedAsync($"/admin/wallets/{wallet}/tx");

        // The request span ends just after the response is written.
        await Eventually.Holds(() =>
        {
            Assert.Contains(spans, span => span.TraceId.ToHexString() == tx.TraceId && (string?)span.GetTagItem("bo.tx_id") == txId);
            Assert.Contains(spans, span => span.TraceId.ToHexString() == order.TraceId && (string?)span.GetTagItem("bo.order_id") == orderId);
            Assert.Contains(spans, span => span.TraceId.ToHexString() == list.TraceId && (string?)span.GetTagItem("bo.wallet_id") == wallet);
        });
    }
}
