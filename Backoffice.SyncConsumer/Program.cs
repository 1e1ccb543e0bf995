using Backoffice.SyncConsumer.Hosting;
using Microsoft.Extensions.Options;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddSyncConsumer();

    var app = builder.Build();

    app.MapDefaultEndpoints();

    await app.RunUntilStoppedAsync();
    return 0;
}
catch (OptionsValidationException refused)
{
    // A missing or invalid setting: one line naming the key and exit code 1, not a stack trace.
    await Console.Error.WriteLineAsync($"Backoffice.SyncConsumer refused to start: {string.Join(" ", refused.Failures)}");
    return 1;
}
