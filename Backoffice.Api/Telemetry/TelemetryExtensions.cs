using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Backoffice.Api.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// The API's own meter (request, auth and database metrics) plus Npgsql's metrics, on top of
    /// what ServiceDefaults exports (ASP.NET Core, HTTP client, runtime; OTLP and /metrics); and
    /// the API's own spans (<see cref="ApiTracing"/>) and Npgsql's when traces are exported (OTLP,
    /// e.g. to the Aspire dashboard). Without an exporter no span is recorded, but every request
    /// still has its W3C trace id (<see cref="RequestTraceContext"/>), which problems and audit rows carry.
    /// </summary>
    public static IHostApplicationBuilder AddApiTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiMetrics>();
        var openTelemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(ApiMetrics.MeterName)
                .AddNpgsqlInstrumentation());
        if (builder.IsOtlpExporterConfigured())
        {
            openTelemetry.WithTracing(tracing => tracing.AddSource(ApiTracing.SourceName).AddNpgsql());
        }
        else
        {
            builder.Services.AddHostedService<RequestTraceContext>();
        }

        return builder;
    }

    /// <summary>Counts and times every request by route template; call after <c>UseRouting</c>.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseMiddleware<RequestMetricsMiddleware>();
        return app;
    }
}
