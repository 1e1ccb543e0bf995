using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults every Backoffice process shares: OpenTelemetry (OTLP to the Aspire
/// dashboard when configured, Prometheus scraping always), health checks and service discovery.
/// Domain meters and activity sources are registered by the project that records them.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";
    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var openTelemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddView(PrometheusFriendlyName)
                // No response cache: a scrape (or an operator's curl right after an incident) sees the
                // values of that moment; Prometheus scrapes every few seconds, far from the cost of a collect.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));

        // Spans are only recorded when they have somewhere to go. Without an exporter a tracer
        // provider would still sample every request and every database command, fill their tags and
        // drop them: measurable CPU and allocation per request for nothing (docs/benchmarks.md,
        // "Lookups: CPU per request"). A service that needs each request's W3C trace id without an
        // exporter keeps the request activity with a listener of its own (the API's RequestTraceContext).
        if (builder.IsOtlpExporterConfigured())
        {
            openTelemetry
                .WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddAspNetCoreInstrumentation(aspNetCore =>
                        // Probes and scrapes would drown the traces an operator is looking for.
                        aspNetCore.Filter = context => !IsInfrastructurePath(context.Request.Path))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Whether telemetry is exported over OTLP (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, set by Aspire for
    /// its dashboard): the only trace exporter, so tracing is registered exactly when this is true.
    /// Projects adding their own sources or instrumentation to the tracer provider check it too.
    /// </summary>
    public static bool IsOtlpExporterConfigured(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: readiness, every registered check. <c>/alive</c>: liveness, only checks
    /// tagged <see cref="LiveTag"/>. <c>/metrics</c>: Prometheus text exposition.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }

    /// <summary>
    /// OpenTelemetry names gauges and up-down counters <c>*.count</c> (<c>dotnet.assembly.count</c>,
    /// <c>db.client.connection.count</c>); in Prometheus a <c>_count</c> suffix means a histogram's or summary's
    /// sample count, and <c>promtool check metrics</c> rejects it. Such instruments are exposed as <c>*_number</c>.
    /// </summary>
    private static MetricStreamConfiguration? PrometheusFriendlyName(System.Diagnostics.Metrics.Instrument instrument)
    {
        const string countSuffix = ".count";
        var isHistogram = instrument.GetType().IsGenericType
            && instrument.GetType().GetGenericTypeDefinition() == typeof(System.Diagnostics.Metrics.Histogram<>);
        return !isHistogram && instrument.Name.EndsWith(countSuffix, StringComparison.Ordinal)
            ? new MetricStreamConfiguration { Name = instrument.Name[..^countSuffix.Length] + ".number" }
            : null;
    }

    private static bool IsInfrastructurePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(HealthEndpointPath)
        || path.StartsWithSegments(AlivenessEndpointPath)
        || path.StartsWithSegments(MetricsEndpointPath);
}
