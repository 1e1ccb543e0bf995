using Backoffice.Chaos.Scenarios;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// At-least-once through crashes (§5): the consumer process killed with SIGKILL while it drains simulated
/// traffic (at least 30,000 messages; with fewer the consumer, at ~20,000 messages/s, could finish the
/// stream before the last kill) and restarted each time loses nothing and stores nothing twice.
/// The long version: <c>reliability/Backoffice.Chaos -- sigkill</c> (docs/reliability.md).
/// </summary>
[Collection(ChaosTestGroup.Name)]
public sealed class SigkillChaosTests(PostgresServerFixture postgres, KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task The_consumer_killed_with_SIGKILL_five_times_while_draining_ends_equal_to_the_oracle()
    {
        await using var cluster = kafka.StartPrivateCluster();
        var environment = await ChaosTestEnvironment.CreateAsync(postgres, cluster);

        var result = await SigkillScenario.RunAsync(
            environment, new SigkillOptions { Events = 24_000, Partitions = 6, Kills = 5, Seed = 7 }, TestContext.Current.CancellationToken);

        ChaosTestEnvironment.AssertPassed(result);
        Assert.Equal(5, result.Kills);
        Assert.Equal(6, result.ConsumerStarts);
        Assert.All(result.Faults, kill => Assert.InRange(kill.Progress ?? 1, 0.0, 0.999));
        Assert.True(result.Events >= 30_000, $"{result.Events} messages");
    }
}
