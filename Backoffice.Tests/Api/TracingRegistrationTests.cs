using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Backoffice.Tests.Api;

/// <summary>
/// Spans are recorded exactly when they are exported: a tracer provider samples and tags every
/// request and database command, which is wasted work with nowhere to send them.
/// </summary>
public sealed class TracingRegistrationTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData(" ", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void A_tracer_provider_is_registered_only_with_an_OTLP_endpoint(string? endpoint, bool registered)
    {
        // No environment variables: the runner's own OTEL_EXPORTER_OTLP_ENDPOINT must not decide.
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint;

        builder.ConfigureOpenTelemetry();
        using var host = builder.Build();

        Assert.Equal(registered, host.Services.GetService<TracerProvider>() is not null);
    }
}
