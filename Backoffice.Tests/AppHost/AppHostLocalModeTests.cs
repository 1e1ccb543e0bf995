using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Backoffice.Tests.Observability;

namespace Backoffice.Tests.AppHost;

/// <summary>F5 on a machine without a container runtime: every resource comes up and reports healthy.</summary>
[Collection(AppHostTestGroup.Name)]
public sealed class AppHostLocalModeTests(LocalModeAppHostFixture appHost)
{
    [Fact]
    public async Task Migrations_run_to_completion_before_the_services_start()
    {
        var migrations = await appHost.WaitForStateAsync("migrations", KnownResourceStates.Finished, TestContext.Current.CancellationToken);

        Assert.Equal(0, migrations.Snapshot.ExitCode);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("kafka-broker")]
    [InlineData("sync-consumer")]
    [InlineData("admin-api")]
    public async Task Resource_reports_healthy(string resourceName)
    {
        await appHost.WaitForHealthyAsync(resourceName, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("admin-api")]
    [InlineData("sync-consumer")]
    public async Task Service_answers_health_liveness_and_metrics_endpoints(string resourceName)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await appHost.WaitForHealthyAsync(resourceName, cancellationToken);
        using var http = appHost.App.CreateHttpClient(resourceName);

        foreach (var path in new[] { "/health", "/alive", "/metrics" })
        {
            using var response = await http.GetAsync(path, cancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{resourceName} {path} answered {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("admin-api")]
    [InlineData("sync-consumer")]
    public async Task Metrics_output_passes_promtool_check_metrics(string resourceName)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await appHost.WaitForHealthyAsync(resourceName, cancellationToken);
        using var http = appHost.App.CreateHttpClient(resourceName);
        // A lookup first, so the API's request and database series exist, not just their descriptions.
        using (await http.GetAsync("/admin/tx/tx-metrics-probe", cancellationToken))
        {
        }

        var metrics = await http.GetStringAsync("/metrics", cancellationToken);
        var (exitCode, output) = await Promtool.RunWithInputAsync(Path.GetTempPath(), metrics, "check", "metrics");

        Assert.True(exitCode == 0, $"promtool check metrics on {resourceName}:\n{output}");
    }
}
