using Backoffice.ServiceDefaults.Hosting;
using Backoffice.SyncConsumer.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddSyncConsumer();

    var app = builder.Build();
    app.RefuseInvalidSettings();

    app.MapDefaultEndpoints();

    await app.RunUntilStoppedAsync();
    return 0;
}
catch (Exception exception) when (StartupRefusal.Explains(exception, typeof(Program).Assembly))
{
    return StartupRefusal.Report(exception);
}
