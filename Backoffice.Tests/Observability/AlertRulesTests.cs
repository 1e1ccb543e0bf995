using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Observability;

/// <summary>The alert rules of the DB/API contract §3 are valid Prometheus rules and fire exactly when they should.</summary>
public sealed class AlertRulesTests
{
    private static readonly string ObservabilityDirectory = RepositoryPaths.Combine("docker", "observability");

    [Fact]
    public async Task Alert_rules_pass_promtool_check_rules()
    {
        var (exitCode, output) = await Promtool.RunAsync(ObservabilityDirectory, "check", "rules", "alert_rules.yml");

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rule_unit_tests_pass()
    {
        var (exitCode, output) = await Promtool.RunAsync(ObservabilityDirectory, "test", "rules", "alert_rules.test.yml");

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task Every_alert_the_contract_asks_for_exists_and_is_unit_tested()
    {
        // DB/API contract §3: latency, 5xx, freshness, Kafka lag, DLQ, stale pairs, targets down, pool, replication lag.
        string[] required =
        [
            "BackofficeApiLatencyP95High", "BackofficeApiServerErrors", "BackofficeFreshnessP95High",
            "BackofficeKafkaLagGrowing", "BackofficeDlqGrowing", "BackofficePairsIncompleteStale",
            "BackofficeTargetDown", "BackofficeDbPoolSaturated", "BackofficeDbReplicationLagHigh",
        ];
        var rules = await File.ReadAllTextAsync(Path.Combine(ObservabilityDirectory, "alert_rules.yml"), TestContext.Current.CancellationToken);
        var tests = await File.ReadAllTextAsync(Path.Combine(ObservabilityDirectory, "alert_rules.test.yml"), TestContext.Current.CancellationToken);

        Assert.All(required, alert =>
        {
            Assert.Contains($"alert: {alert}", rules, StringComparison.Ordinal);
            Assert.Contains($"alertname: {alert}", tests, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Prometheus_scrape_configuration_is_valid()
    {
        var (exitCode, output) = await Promtool.RunAsync(ObservabilityDirectory, "check", "config", "prometheus.yml");

        Assert.True(exitCode == 0, output);
    }
}
