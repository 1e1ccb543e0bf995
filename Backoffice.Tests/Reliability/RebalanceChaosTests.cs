using Backoffice.Chaos.Scenarios;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// Any number of instances in one group is safe (§5): three consumer processes share the partitions
/// while instances are stopped with SIGTERM or killed with SIGKILL and new ones join mid-stream.
/// The long version: <c>reliability/Backoffice.Chaos -- rebalance</c>.
/// </summary>
[Collection(ChaosTestGroup.Name)]
public sealed class RebalanceChaosTests(PostgresServerFixture postgres, KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task Three_instances_stopped_and_killed_and_replaced_mid_stream_end_equal_to_the_oracle()
    {
        await using var cluster = kafka.StartPrivateCluster();
        var environment = await ChaosTestEnvironment.CreateAsync(postgres, cluster);

        var result = await RebalanceScenario.RunAsync(
            environment, new RebalanceOptions { Events = 14_000, Partitions = 6, Instances = 3, Changes = 6, Seed = 11 }, TestContext.Current.CancellationToken);

        ChaosTestEnvironment.AssertPassed(result);
        Assert.Equal(["sigterm", "sigkill", "sigterm", "sigkill", "sigterm", "sigkill"], result.Faults.Select(f => f.Kind));
        Assert.Equal(3 + 6, result.ConsumerStarts);
        // Every graceful stop ended with exit code 0 within 10 s (a slow or failed one is a problem, failing the run).
        Assert.Empty(result.Problems);
    }
}
