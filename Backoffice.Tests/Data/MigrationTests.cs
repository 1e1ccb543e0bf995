using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Backoffice.Tests.Data;

public sealed class MigrationTests(PostgresServerFixture postgres)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Applying_the_migrations_twice_is_a_no_op()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);
        await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(connectionString));

        await db.Database.MigrateAsync(CancellationToken);
        var historyAfterFirst = await HistoryAsync(connectionString);
        await db.Database.MigrateAsync(CancellationToken);
        var historyAfterSecond = await HistoryAsync(connectionString);

        Assert.Equal(db.Database.GetMigrations(), historyAfterFirst);
        Assert.Equal(historyAfterFirst, historyAfterSecond);
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_exactly_once()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(connectionString));
            await db.Database.MigrateExclusivelyAsync(CancellationToken);
        }));

        await using var check = new BoDbContext(PostgresServerFixture.CreateContextOptions(connectionString));
        Assert.Equal(check.Database.GetMigrations(), await HistoryAsync(connectionString));
    }

    [Fact]
    public async Task A_database_without_the_schema_reports_every_migration_pending()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);
        await using var db = new BoDbContext(PostgresServerFixture.CreateContextOptions(connectionString));

        var status = await db.Database.GetStatusAsync(CancellationToken);

        Assert.False(status.IsCurrent);
        Assert.Empty(status.Applied);
        Assert.Equal(db.Database.GetMigrations(), status.Pending);
        Assert.Contains(BoSchema.LatestMigrationId, status.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_is_healthy_only_when_the_database_answers_at_the_expected_migration()
    {
        var migrated = await postgres.CreateDatabaseAsync(cancellationToken: CancellationToken);
        var empty = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);
        var unreachable = new NpgsqlConnectionStringBuilder(migrated) { Port = 1, Timeout = 2 }.ConnectionString;

        Assert.Equal(HealthStatus.Healthy, (await CheckSchemaAsync(migrated)).Status);
        var behind = await CheckSchemaAsync(empty);
        Assert.Equal(HealthStatus.Unhealthy, behind.Status);
        Assert.Contains("pending", behind.Description, StringComparison.Ordinal);
        var down = await CheckSchemaAsync(unreachable);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.NotNull(down.Exception);
    }

    [Fact]
    public async Task AddBoDbContext_serves_scoped_contexts_a_context_factory_and_the_data_source_for_one_database()
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken: CancellationToken);
        await using var provider = new ServiceCollection().AddLogging().AddBoDbContext(connectionString, "bo-tests").BuildServiceProvider();

        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BoDbContext>();
            Assert.Equal(0, await db.LedgerEntries.CountAsync(CancellationToken));
        }

        await using (var db = await provider.GetRequiredService<IDbContextFactory<BoDbContext>>().CreateDbContextAsync(CancellationToken))
        {
            Assert.Equal(0, await db.PaymentLedgerPairs.CountAsync(CancellationToken));
        }

        await using var command = provider.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT count(*) FROM bo.consumer_dlq_events");
        Assert.Equal(0L, await command.ExecuteScalarAsync(CancellationToken));
    }

    [Fact]
    public async Task AddBoDbContext_names_the_connections_on_the_server_unless_the_connection_string_does()
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken: CancellationToken);
        var named = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "ops-chosen" }.ConnectionString;

        Assert.Equal("bo-service", await ServerApplicationNameAsync(connectionString));
        Assert.Equal("ops-chosen", await ServerApplicationNameAsync(named));

        static async Task<string> ServerApplicationNameAsync(string connectionString)
        {
            await using var provider = new ServiceCollection().AddLogging().AddBoDbContext(connectionString, "bo-service").BuildServiceProvider();
            await using var db = await provider.GetRequiredService<IDbContextFactory<BoDbContext>>().CreateDbContextAsync(CancellationToken);
            // What the server records for the session, as pg_stat_activity and the server log show it.
            return await db.Database.SqlQueryRaw<string>("SELECT application_name AS \"Value\" FROM pg_stat_activity WHERE pid = pg_backend_pid()").SingleAsync(CancellationToken);
        }
    }

    private static async Task<HealthReportEntry> CheckSchemaAsync(string connectionString)
    {
        var services = new ServiceCollection().AddLogging().AddBoDbContext(connectionString, "bo-tests");
        services.AddHealthChecks().AddBoSchemaCheck();
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(CancellationToken);
        return report.Entries[BoSchemaHealthCheckExtensions.DefaultName];
    }

    private static async Task<List<string>> HistoryAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT migration_id FROM {BoDbContext.Schema}.\"{BoDbContextOptionsExtensions.MigrationsHistoryTable}\" ORDER BY migration_id",
            connection);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        while (await reader.ReadAsync(CancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
