using System.Runtime.InteropServices;
using Backoffice.LocalInfra.Postgres;
using Backoffice.LocalPostgres;

// Runs a local PostgreSQL until SIGTERM/SIGINT: the AppHost's no-container mode, or by hand.
if (LocalPostgresSettings.Parse(args, Environment.GetEnvironmentVariable) is not { } settings)
{
    return LocalPostgresSettings.UsageExitCode;
}

using var shutdown = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

var logger = new ConsoleLogger("LocalPostgres");
await using var server = new LocalPostgresServer(settings.ToServerOptions(), logger);
try
{
    await server.StartAsync(shutdown.Token);
    await server.EnsureDatabaseAsync(settings.Database, shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
{
    return 0;
}
catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
{
    await Console.Error.WriteLineAsync($"error: {exception.Message}");
    return 1;
}

Console.WriteLine($"PostgreSQL {server.MajorVersion} listening on {LocalPostgresServer.Host}:{server.Port}");
Console.WriteLine($"database '{settings.Database}', user '{server.Superuser}', data directory {server.DataDirectory}");

var serverExit = server.WaitForExitAsync(CancellationToken.None);
var stopRequested = Task.Delay(Timeout.Infinite, shutdown.Token);
if (await Task.WhenAny(serverExit, stopRequested) == serverExit)
{
    var code = await serverExit;
    await Console.Error.WriteLineAsync($"error: PostgreSQL exited unexpectedly with code {code}");
    return code == 0 ? 1 : code;
}

await server.StopAsync(CancellationToken.None);
Console.WriteLine("PostgreSQL stopped");
return 0;

void OnSignal(PosixSignalContext context)
{
    // Stop the server ourselves rather than let the runtime end the process with it still running.
    context.Cancel = true;
    shutdown.Cancel();
}
