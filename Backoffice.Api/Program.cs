using Backoffice.Api.Audit;
using Backoffice.Api.Auth;
using Backoffice.Api.Database;
using Backoffice.Api.Lookups;
using Backoffice.Api.OpenApi;
using Backoffice.Api.Problems;
using Backoffice.Api.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApiTelemetry();
builder.AddBackofficeData();
builder.AddAdminAuthentication();
builder.AddAudit();
builder.AddApiProblemDetails();
builder.AddAdminLookups();
builder.AddAdminOpenApi();

var app = builder.Build();

app.UseTrustedForwardedHeaders();
app.UseRouting();
app.UseRequestMetrics();
app.UseApiProblemDetails();
app.UseAuthentication();
app.UseAuthorization();

app.MapAdminLookups();
app.MapAdminOpenApi();
app.MapDefaultEndpoints();

await app.RunAsync();
