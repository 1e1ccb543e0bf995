using Backoffice.Data;
using Backoffice.LocalInfra.Kafka;
using Backoffice.LocalInfra.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Chaos.Environment;

/// <summary>The topics and consumer group of one run (fresh names, so runs never share state).</summary>
public sealed record ChaosTopics(string Ledger, string PaymentOrder, int Partitions, string GroupId)
{
    public IEnumerable<string> All => [Ledger, PaymentOrder];
}

/// <summary>
/// What a scenario runs against: a migrated database, a private Kafka-protocol broker with fault
/// injection, and the built consumer (and API). The command starts its own (<see cref="StartAsync"/>);
/// tests assemble one from their fixtures.
/// </summary>
public sealed class ChaosEnvironment : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public ChaosEnvironment(string database, MockKafkaCluster kafka, string consumerDll, ChaosTimeline timeline)
    {
        Database = database;
        Kafka = kafka;
        ConsumerDll = consumerDll;
        Timeline = timeline;
    }

    /// <summary>Superuser connection string of the migrated database.</summary>
    public string Database { get; }

    public MockKafkaCluster Kafka { get; }

    /// <summary>The PostgreSQL server behind <see cref="Database"/>, when the run may restart it (database faults).</summary>
    public LocalPostgresServer? Server { get; init; }

    public string ConsumerDll { get; }

    public string? ApiDll { get; init; }

    /// <summary>Where child processes write their output; null keeps only a tail in memory.</summary>
    public string? LogDirectory { get; init; }

    public ChaosTimeline Timeline { get; }

    /// <summary>Its own PostgreSQL 15 (a temporary data directory) and mock Kafka cluster, for the command.</summary>
    public static async Task<ChaosEnvironment> StartAsync(ChaosTimeline timeline, string? logDirectory, CancellationToken cancellationToken)
    {
        var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true, DeleteDataDirectoryOnDispose = true });
        MockKafkaCluster? kafka = null;
        try
        {
            await server.StartAsync(cancellationToken);
            await server.EnsureDatabaseAsync("backoffice", cancellationToken);
            var database = server.GetConnectionString("backoffice");
            await MigrateAsync(database, cancellationToken);
            kafka = MockKafkaCluster.Start();
            timeline.Note($"PostgreSQL {server.MajorVersion} on port {server.Port}, mock Kafka (librdkafka {MockKafkaCluster.LibrdkafkaVersion}) at {kafka.BootstrapServers}");
            var environment = new ChaosEnvironment(database, kafka, BuiltPrograms.SyncConsumerDll, timeline)
            {
                Server = server,
                ApiDll = BuiltPrograms.ApiDll,
                LogDirectory = logDirectory,
            };
            environment._owned.Add(kafka);
            environment._owned.Add(server);
            return environment;
        }
        catch
        {
            if (kafka is not null)
            {
                await kafka.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Applies the migrations (what the Migrator does before the services start).</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        // Unpooled: a pooled session would be left behind on a server the run may restart.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<BoDbContext>();
        options.UseBoPostgres(unpooled);
        await using var db = new BoDbContext(options.Options);
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>Fresh ledger and payment order topics with <paramref name="partitions"/> partitions each, and a fresh group id.</summary>
    public ChaosTopics CreateTopics(string scenario, int partitions)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var topics = new ChaosTopics($"chaos.{scenario}.ledger.{suffix}", $"chaos.{scenario}.orders.{suffix}", partitions, $"chaos-{scenario}-{suffix}");
        foreach (var topic in topics.All)
        {
            Kafka.CreateTopic(topic, partitions);
        }

        return topics;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }
}
