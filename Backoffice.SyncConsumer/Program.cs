using Backoffice.SyncConsumer.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSyncConsumer();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();
