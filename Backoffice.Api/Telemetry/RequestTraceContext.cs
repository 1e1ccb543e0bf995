using System.Diagnostics;

namespace Backoffice.Api.Telemetry;

/// <summary>
/// Used when no tracer provider is registered (traces are not exported): makes ASP.NET Core start
/// every request's activity, continuing an incoming <c>traceparent</c>, without recording it. So
/// <see cref="Activity.Current"/> always carries the request's W3C trace id, which problems and
/// audit rows report as <c>trace_id</c>, whatever the log levels (ASP.NET Core otherwise starts the
/// activity only while one of its loggers is enabled). Nothing is recorded: no tags are collected
/// by an instrumentation and nothing is exported.
/// </summary>
internal sealed class RequestTraceContext : IHostedService, IDisposable
{
    /// <summary>The <see cref="ActivitySource"/> of ASP.NET Core's request activity.</summary>
    public const string AspNetCoreSourceName = "Microsoft.AspNetCore";

    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name == AspNetCoreSourceName,
        Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _listener.Dispose();
}
