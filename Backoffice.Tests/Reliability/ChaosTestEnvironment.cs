using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Scenarios;
using Backoffice.LocalInfra.Kafka;
using Backoffice.LocalInfra.Postgres;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Reliability;

/// <summary>
/// The reliability command's scenarios, run small inside <c>dotnet test</c>: a database from the test
/// fixtures (or a server of the test's own, for database faults), a private mock cluster (faults must
/// not reach the shared one), and the consumer built beside the tests.
/// </summary>
internal static class ChaosTestEnvironment
{
    public static string ConsumerDll => Path.Combine(AppContext.BaseDirectory, "Backoffice.SyncConsumer.dll");

    public static async Task<ChaosEnvironment> CreateAsync(PostgresServerFixture postgres, MockKafkaCluster cluster) =>
        new(await postgres.CreateDatabaseAsync(cancellationToken: TestContext.Current.CancellationToken), cluster, ConsumerDll, Timeline());

    /// <summary>On a server of the test's own, which the scenario may stop and start.</summary>
    public static async Task<ChaosEnvironment> CreateAsync(LocalPostgresServer server, MockKafkaCluster cluster)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await server.StartAsync(cancellationToken);
        await server.EnsureDatabaseAsync("backoffice", cancellationToken);
        var database = server.GetConnectionString("backoffice");
        await ChaosEnvironment.MigrateAsync(database, cancellationToken);
        return new ChaosEnvironment(database, cluster, ConsumerDll, Timeline()) { Server = server };
    }

    /// <summary>The run's summary is the failure message: oracle differences, problems and the timeline.</summary>
    public static void AssertPassed(ScenarioResult result)
    {
        Assert.True(result.Passed, result.ToJson());
        Assert.Equal((0L, 0L, 0L), (result.Lost, result.Unexpected, result.PairMismatches));
        Assert.Equal(result.ExpectedDlqRows, result.DlqRows);
    }

    private static ChaosTimeline Timeline()
    {
        var output = TestContext.Current.TestOutputHelper;
        return new ChaosTimeline(line => output?.WriteLine(line));
    }
}
