using Backoffice.AppHost.Infrastructure;
using Backoffice.AppHost.Services;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddBackofficeInfrastructure();
var migrations = builder.AddMigrations(infrastructure);
var consumer = builder.AddSyncConsumer(infrastructure, migrations);
builder.AddAdminApi(infrastructure, migrations);
builder.AddDemoTraffic(infrastructure, consumer);

builder.Build().Run();
