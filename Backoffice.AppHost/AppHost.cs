using Backoffice.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddBackofficeInfrastructure();

var migrations = builder.AddProject<Projects.Backoffice_Migrator>("migrations")
    .WithDatabase(infrastructure);

builder.AddProject<Projects.Backoffice_SyncConsumer>("sync-consumer")
    .WithDatabase(infrastructure)
    .WithKafka(infrastructure)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Backoffice_Api>("admin-api")
    .WithDatabase(infrastructure)
    .WaitForCompletion(migrations)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
