using Backoffice.Chaos.Scenarios;
using Backoffice.LocalInfra.Postgres;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// Database faults are waited out and retried, never dead-lettered (§5): while traffic flows, PostgreSQL
/// is restarted mid-batch, the consumer's sessions are terminated, writes are blocked past the
/// database's statement timeout, and the timeout is cut to 50 ms. On a server of the test's own.
/// The long version: <c>reliability/Backoffice.Chaos -- db-faults</c>.
/// </summary>
[Collection(ChaosTestGroup.Name)]
public sealed class DatabaseFaultTests(KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task Restart_terminated_sessions_and_statement_timeouts_mid_stream_end_equal_to_the_oracle_with_no_DLQ_rows_from_the_faults()
    {
        await using var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true });
        await using var cluster = kafka.StartPrivateCluster();
        var environment = await ChaosTestEnvironment.CreateAsync(server, cluster);

        var result = await DatabaseFaultScenario.RunAsync(
            environment, new DatabaseFaultOptions { Events = 22_000, EventsPerSecond = 1_000, Partitions = 6, Seed = 17 }, TestContext.Current.CancellationToken);

        // AssertPassed includes: DLQ rows are exactly the bad messages' (none caused by a fault).
        ChaosTestEnvironment.AssertPassed(result);
        Assert.Equal(["server-restart", "terminate-backend", "lock-past-statement-timeout", "statement-timeout-50ms"], result.Faults.Select(f => f.Kind));
        Assert.True((long)result.Details["sessions_terminated"] > 0);
        Assert.True(result.ConsumerLog["statement timeout"] > 0, "no statement of the consumer timed out");
        Assert.True(result.ConsumerLog["Database write of"] > 0, "no write was retried");
    }
}
