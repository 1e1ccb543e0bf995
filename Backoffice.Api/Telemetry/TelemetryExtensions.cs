using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Backoffice.Api.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// The API's own meter (request, auth and database metrics) plus Npgsql's metrics and spans, on
    /// top of what ServiceDefaults exports (ASP.NET Core, HTTP client, runtime; OTLP and /metrics).
    /// </summary>
    public static IHostApplicationBuilder AddApiTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(ApiMetrics.MeterName)
                .AddNpgsqlInstrumentation())
            .WithTracing(tracing => tracing.AddNpgsql());
        return builder;
    }

    /// <summary>Counts and times every request by route template; call after <c>UseRouting</c>.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseMiddleware<RequestMetricsMiddleware>();
        return app;
    }
}
