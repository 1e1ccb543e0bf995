using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Backoffice.Api.Telemetry;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Backoffice.Tests.Api;

/// <summary>
/// What the Aspire dashboard receives for a lookup, read from the API's own tracer provider as it
/// is registered when an OTLP endpoint is set: the request span tagged with the <c>tx_id</c>, the
/// shared query's span under it, and Npgsql's command span under that.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class ExportedTraceTests(ExportedTraceApiFixture api) : IClassFixture<ExportedTraceApiFixture>
{
    [Fact]
    public async Task A_transaction_lookup_exports_its_request_query_and_database_spans_as_one_trace()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, Rows.NewId("w")));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        // The request span ends just after the response is written, the query's just after its callers are released.
        var trace = await api.WaitForSpansAsync(
            response.TraceId,
            spans => spans.Any(span => span.Source.Name == "Microsoft.AspNetCore") && spans.Any(span => span.Source.Name == ApiTracing.SourceName));
        var request = Assert.Single(trace, span => span.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(txId, request.GetTagItem("bo.tx_id"));
        var query = Assert.Single(trace, span => span.Source.Name == ApiTracing.SourceName);
        Assert.Equal("GET_TX query", query.OperationName);
        Assert.Equal(request.SpanId, query.ParentSpanId);
        Assert.Contains(trace, span => span.Source.Name == "Npgsql" && span.ParentSpanId == query.SpanId);
    }
}

/// <summary>The API with traces exported (to an OTLP endpoint nothing listens on) and every ended span recorded.</summary>
public sealed class ExportedTraceApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    private readonly SpanRecorder _recorder = new();

    /// <summary>The spans of <paramref name="traceId"/> once <paramref name="complete"/> holds for them (or after 5 s).</summary>
    public async Task<List<Activity>> WaitForSpansAsync(string traceId, Func<List<Activity>, bool> complete)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var spans = _recorder.Ended.Where(span => span.TraceId.ToHexString() == traceId).ToList();
            if (complete(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(_recorder));

    private sealed class SpanRecorder : BaseProcessor<Activity>
    {
        public ConcurrentQueue<Activity> Ended { get; } = new();

        public override void OnEnd(Activity data) => Ended.Enqueue(data);
    }
}
