using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary>
/// One migrator at a time per database, with several migrations pending: what the Backoffice schema
/// needs before its second migration (EF Core's own lock ends with the first migration's commit).
/// The migrations are a test context's three, each recording that it ran.
/// </summary>
public sealed class ExclusiveMigrationTests(PostgresServerFixture postgres)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_migrators_apply_each_of_several_migrations_exactly_once()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = new ThreeStepContext(connectionString);
            await db.Database.MigrateExclusivelyAsync(CancellationToken);
        }));

        Assert.Equal(["First", "Second", "Third"], await QueryAsync(connectionString, "SELECT name FROM migtest.applied ORDER BY id"));
        Assert.Equal(
            [ThreeStepContext.First, ThreeStepContext.Second, ThreeStepContext.Third],
            await QueryAsync(connectionString, "SELECT \"MigrationId\" FROM public.\"__EFMigrationsHistory\" ORDER BY 1"));
        Assert.Empty(await HeldLocksAsync(connectionString));
    }

    [Fact]
    public async Task A_migrator_waits_for_the_one_holding_the_lock_and_then_finds_nothing_to_apply()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync(CancellationToken);
        await ExecuteAsync(holder, $"SELECT pg_advisory_lock({ExclusiveMigration.AdvisoryLockClass}, 0)");

        await using var db = new ThreeStepContext(connectionString);
        var migrating = db.Database.MigrateExclusivelyAsync(CancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken);
        Assert.False(migrating.IsCompleted);
        Assert.Empty(await QueryAsync(connectionString, "SELECT nspname FROM pg_namespace WHERE nspname = 'migtest'"));

        // Meanwhile the lock holder migrates (as a migrator that got there first would).
        await using (var first = new ThreeStepContext(connectionString))
        {
            await first.Database.MigrateAsync(CancellationToken);
        }

        await ExecuteAsync(holder, $"SELECT pg_advisory_unlock({ExclusiveMigration.AdvisoryLockClass}, 0)");
        await migrating.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken);

        Assert.Equal(["First", "Second", "Third"], await QueryAsync(connectionString, "SELECT name FROM migtest.applied ORDER BY id"));
        Assert.Empty(await HeldLocksAsync(connectionString));
    }

    [Fact]
    public async Task A_failing_migration_releases_the_lock_and_leaves_the_migrations_before_it_applied()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);
        await using (var setup = new NpgsqlConnection(connectionString))
        {
            await setup.OpenAsync(CancellationToken);
            // The third migration's insert is refused.
            await ExecuteAsync(setup, "CREATE SCHEMA migtest; CREATE TABLE migtest.applied (id serial PRIMARY KEY, name text NOT NULL CHECK (name <> 'Third'))");
        }

        await using var db = new ThreeStepContext(connectionString);
        await Assert.ThrowsAsync<PostgresException>(() => db.Database.MigrateExclusivelyAsync(CancellationToken));

        Assert.Empty(await HeldLocksAsync(connectionString));
        Assert.Equal(["First", "Second"], await QueryAsync(connectionString, "SELECT name FROM migtest.applied ORDER BY id"));
    }

    /// <summary>Migration advisory locks held by any session of the server.</summary>
    private static Task<List<string>> HeldLocksAsync(string connectionString) => QueryAsync(connectionString,
        $"SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND classid = {ExclusiveMigration.AdvisoryLockClass} AND granted");

    private static async Task<List<string>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(CancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(CancellationToken);
    }
}

/// <summary>A context whose three migrations each record that they ran, slowly enough for migrators to overlap.</summary>
public sealed class ThreeStepContext(string connectionString) : DbContext
{
    public const string First = "20260101000000_First";
    public const string Second = "20260101000001_Second";
    public const string Third = "20260101000002_Third";

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString);

    internal static void Record(MigrationBuilder migrationBuilder, string name) => migrationBuilder.Sql($"""
        CREATE SCHEMA IF NOT EXISTS migtest;
        CREATE TABLE IF NOT EXISTS migtest.applied (id serial PRIMARY KEY, name text NOT NULL);
        SELECT pg_sleep(0.1);
        INSERT INTO migtest.applied (name) VALUES ('{name}');
        """);
}

[DbContext(typeof(ThreeStepContext))]
[Migration(ThreeStepContext.First)]
public sealed class ThreeStepFirst : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => ThreeStepContext.Record(migrationBuilder, "First");
}

[DbContext(typeof(ThreeStepContext))]
[Migration(ThreeStepContext.Second)]
public sealed class ThreeStepSecond : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => ThreeStepContext.Record(migrationBuilder, "Second");
}

[DbContext(typeof(ThreeStepContext))]
[Migration(ThreeStepContext.Third)]
public sealed class ThreeStepThird : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => ThreeStepContext.Record(migrationBuilder, "Third");
}
