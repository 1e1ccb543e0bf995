using Backoffice.Migrator;

// Applies the Backoffice migrations and exits: the AppHost's migration resource and the deployment step.
if (!MigratorCommandLine.TryParse(args, out var command, out var hostArgs))
{
    return MigratorExitCodes.Usage;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = hostArgs,
    // `dotnet /app/Backoffice.Migrator.dll` from any directory still finds its appsettings.json.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddServiceDefaults();
builder.AddMigrator(command);

using var host = builder.Build();
await host.StartAsync();
var exitCode = await host.Services.GetRequiredService<MigrationRunner>()
    .RunAsync(command, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
await host.StopAsync();
return exitCode;
