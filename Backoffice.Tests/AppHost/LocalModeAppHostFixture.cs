using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.AppHost;

/// <summary>
/// The whole AppHost in its no-container mode (local PostgreSQL from the machine's binaries, local
/// Kafka-protocol broker), started once for the AppHost test collection through Aspire.Hosting.Testing,
/// with the simulator sending a bounded burst of demo traffic (<see cref="DemoPayments"/> payments).
/// </summary>
public sealed class LocalModeAppHostFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"bo-apphost-pg-{Guid.NewGuid():N}");
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public const int DemoPayments = 150;
    public const int DemoEventsPerSecond = 300;

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
            $"--Simulator:Payments={DemoPayments}",
            $"--Simulator:EventsPerSecond={DemoEventsPerSecond}",
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
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostTestGroup : ICollectionFixture<LocalModeAppHostFixture>
{
    public const string Name = "AppHost (local mode)";
}
