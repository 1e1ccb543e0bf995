using System.Diagnostics;

namespace Backoffice.Api.Telemetry;

/// <summary>
/// The API's own spans (the shared lookup queries, <c>GET_TX query</c>), exported with ASP.NET
/// Core's and Npgsql's when traces are exported (<see cref="TelemetryExtensions.AddApiTelemetry"/>).
/// </summary>
public static class ApiTracing
{
    public const string SourceName = "Backoffice.Api";

    internal static readonly ActivitySource Source = new(SourceName);
}
