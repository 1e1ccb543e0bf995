using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.AppHost;

/// <summary>
/// The whole AppHost in its no-container mode (local PostgreSQL from the machine's binaries, local
/// Kafka-protocol broker), started once per test class through Aspire.Hosting.Testing.
/// </summary>
public class LocalModeAppHostFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"bo-apphost-pg-{Guid.NewGuid():N}");
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>Extra AppHost arguments a derived scenario needs (e.g. the simulator's settings).</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        string[] arguments =
        [
            "--Infrastructure:Mode=local",
            $"--Infrastructure:Local:PostgresPort={FreePort.Next()}",
            $"--Infrastructure:Local:PostgresDataDir={_dataDirectory}",
            $"--Infrastructure:Local:KafkaPort={FreePort.Next()}",
            $"--Infrastructure:Local:KafkaControlPort={FreePort.Next()}",
            $"--Parameters:postgres-password={Guid.NewGuid():N}",
            .. ExtraArguments,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Backoffice_AppHost>(
            arguments,
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
    }

    public async Task WaitForHealthyAsync(string resourceName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, timeout.Token);
    }

    public async Task<ResourceEvent> WaitForStateAsync(string resourceName, string state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        return await App.ResourceNotifications.WaitForResourceAsync(
            resourceName, resourceEvent => resourceEvent.Snapshot.State?.Text == state, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        // The local PostgreSQL resource stops its server on SIGTERM; its data directory belongs to the test.
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        GC.SuppressFinalize(this);
    }
}
