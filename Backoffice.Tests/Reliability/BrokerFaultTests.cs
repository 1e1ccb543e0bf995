using Backoffice.Chaos.Scenarios;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// Kafka faults are ridden out without loss or DLQ rows: while traffic flows, the broker is down for 5 s
/// (longer than the session timeout), Fetch and OffsetCommit requests fail, and responses are 500 ms late.
/// The long version: <c>reliability/Backoffice.Chaos -- broker-faults</c>.
/// </summary>
[Collection(ChaosTestGroup.Name)]
public sealed class BrokerFaultTests(PostgresServerFixture postgres, KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task Broker_down_fetch_and_commit_errors_and_latency_mid_stream_end_equal_to_the_oracle()
    {
        await using var cluster = kafka.StartPrivateCluster();
        var environment = await ChaosTestEnvironment.CreateAsync(postgres, cluster);

        var result = await BrokerFaultScenario.RunAsync(
            environment,
            new BrokerFaultOptions { Events = 22_000, EventsPerSecond = 1_000, Partitions = 6, LatencyFor = TimeSpan.FromSeconds(3), Seed = 13 },
            TestContext.Current.CancellationToken);

        ChaosTestEnvironment.AssertPassed(result);
        Assert.Equal(["broker-down", "fetch-errors", "offset-commit-errors", "latency"], result.Faults.Select(f => f.Kind));
        // Every fault met a flowing stream: none came after the last message was produced.
        Assert.All(result.Faults, fault => Assert.InRange(fault.Progress ?? 1, 0.0, 0.999));
    }
}
