using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary>What every other test class relies on: its own database, migrated, created fast and safely in parallel.</summary>
public sealed class PostgresServerFixtureTests(PostgresServerFixture postgres)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_database_is_migrated_and_isolated_from_the_others()
    {
        var first = await postgres.CreateDatabaseAsync("isolation", CancellationToken);
        var second = await postgres.CreateDatabaseAsync("isolation", CancellationToken);

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        await ExecuteAsync(
            first,
            "INSERT INTO bo.payment_ledger_pairs (related_id, related_type, pairing_status, leg_count, first_leg_at, status_changed_at) "
            + "VALUES ('only-in-first', 'PAYMENT_ORDER', 'INCOMPLETE', 1, now(), now())");
        Assert.Equal(1L, await ScalarAsync(first, "SELECT count(*) FROM bo.payment_ledger_pairs"));
        Assert.Equal(0L, await ScalarAsync(second, "SELECT count(*) FROM bo.payment_ledger_pairs"));
        Assert.Equal(
            BoSchema.LatestMigrationId,
            await ScalarAsync(second, "SELECT max(migration_id) FROM bo.\"__EFMigrationsHistory\""));
    }

    [Fact]
    public async Task Databases_can_be_created_concurrently()
    {
        var connectionStrings = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(_ => postgres.CreateDatabaseAsync(cancellationToken: CancellationToken)));

        Assert.Equal(8, connectionStrings.Select(cs => new NpgsqlConnectionStringBuilder(cs).Database).Distinct().Count());
        foreach (var connectionString in connectionStrings)
        {
            Assert.Equal(0L, await ScalarAsync(connectionString, "SELECT count(*) FROM bo.ledger_entries"));
        }
    }

    [Fact]
    public void The_private_server_is_available_to_tests_that_restart_it()
    {
        var server = postgres.RequirePrivateServer();

        Assert.True(server.IsRunning);
        Assert.Equal(server.Port, new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString).Port);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(CancellationToken);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(CancellationToken);
    }
}
