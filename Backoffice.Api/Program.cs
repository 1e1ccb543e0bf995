using Backoffice.Api.Audit;
using Backoffice.Api.Auth;
using Backoffice.Api.Database;
using Backoffice.Api.Limits;
using Backoffice.Api.Lookups;
using Backoffice.Api.OpenApi;
using Backoffice.Api.Problems;
using Backoffice.Api.Telemetry;
using Backoffice.ServiceDefaults.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddApiTelemetry();
    builder.AddBackofficeData();
    builder.AddAdminAuthentication();
    builder.AddApiLimits();
    builder.AddAudit();
    builder.AddApiProblemDetails();
    builder.AddAdminLookups();
    builder.AddAdminOpenApi();

    var app = builder.Build();
    app.RefuseInvalidSettings();

    app.UseTrustedForwardedHeaders();
    app.UseRouting();
    app.UseRequestMetrics();
    app.UseApiProblemDetails();
    app.UseRequestBodyLimit();
    app.UseAuthentication();
    app.UseCallerRateLimiting();
    app.UseAuthorization();

    app.MapAdminLookups();
    app.MapAdminOpenApi();
    app.MapDefaultEndpoints();

    await app.RunUntilStoppedAsync();
    return 0;
}
catch (Exception exception) when (StartupRefusal.Explains(exception, typeof(Program).Assembly))
{
    return StartupRefusal.Report(exception);
}
