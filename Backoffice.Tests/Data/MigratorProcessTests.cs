using Backoffice.Data;
using Backoffice.LocalInfra.Postgres;
using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary>The migrator as the AppHost and a deployment run it: <c>dotnet Backoffice.Migrator.dll [command]</c>.</summary>
public sealed class MigratorProcessTests(PostgresServerFixture postgres)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrator_migrates_an_empty_database_and_exits_0_then_check_exits_0_and_a_rerun_changes_nothing()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);

        var migrate = await RunMigratorAsync(connectionString);
        Assert.True(migrate.ExitCode == 0, migrate.Output);
        Assert.Contains($"Schema at {BoSchema.LatestMigrationId}", migrate.Output, StringComparison.Ordinal);
        Assert.Equal(5, await CountBoTablesAsync(connectionString));

        var check = await RunMigratorAsync(connectionString, "check");
        Assert.True(check.ExitCode == 0, check.Output);

        var rerun = await RunMigratorAsync(connectionString, "migrate");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Contains("nothing to apply", rerun.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_exits_3_naming_the_pending_migrations_on_a_database_without_schema()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync(cancellationToken: CancellationToken);

        var check = await RunMigratorAsync(connectionString, "check");

        Assert.True(check.ExitCode == 3, check.Output);
        Assert.Contains(BoSchema.LatestMigrationId, check.Output, StringComparison.Ordinal);
        Assert.Equal(0, await CountBoTablesAsync(connectionString));
    }

    [Fact]
    public async Task Migrator_creates_a_missing_database()
    {
        var connectionString = postgres.ReserveDatabaseName();

        var migrate = await RunMigratorAsync(connectionString);

        Assert.True(migrate.ExitCode == 0, migrate.Output);
        Assert.Equal(5, await CountBoTablesAsync(connectionString));
    }

    [Fact]
    public async Task Migrator_names_the_session_that_creates_a_missing_database()
    {
        // A private server: a session held on template1 makes every CREATE DATABASE on it wait
        // (up to 5 s), which is what lets this test see the migrator's session while it asks.
        await using var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true });
        await server.StartAsync(CancellationToken);
        var admin = new NpgsqlConnectionStringBuilder(server.GetConnectionString()) { Pooling = false }.ConnectionString;
        await using var onTemplate = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = "template1" }.ConnectionString);
        await onTemplate.OpenAsync(CancellationToken);
        var connectionString = server.GetConnectionString("backoffice");
        using var migrator = DotnetProgram.Start(
            DotnetProgram.MigratorDll, [], new Dictionary<string, string?> { ["ConnectionStrings__backoffice"] = connectionString });

        string? creator = null;
        await Eventually.Holds(async () => Assert.NotNull(creator = await CreatingSessionNameAsync(admin)));
        await onTemplate.CloseAsync();

        // The documented name (README, reliability guide); the migrator's constant is internal to it.
        Assert.Equal("backoffice-migrator", creator);
        var exitCode = await migrator.WaitForExitAsync(TimeSpan.FromSeconds(45), CancellationToken);
        Assert.True(exitCode == 0, migrator.Output);
        Assert.Equal(5, await CountBoTablesAsync(connectionString));
    }

    [Fact]
    public async Task Script_prints_the_idempotent_sql_without_a_database()
    {
        var (exitCode, output) = await DotnetProgram.RunAsync(
            DotnetProgram.MigratorDll, ["script"], new Dictionary<string, string?>(), CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("CREATE TABLE bo.ledger_entries", output, StringComparison.Ordinal);
        Assert.Contains($"WHERE \"migration_id\" = '{BoSchema.LatestMigrationId}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrator_without_a_connection_string_fails_naming_the_setting()
    {
        var (exitCode, output) = await DotnetProgram.RunAsync(
            DotnetProgram.MigratorDll, [], new Dictionary<string, string?>(), CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("ConnectionStrings__backoffice", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrator_waits_for_a_server_that_is_still_starting()
    {
        var port = FreePort.Next();
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = LocalPostgresServer.Host,
            Port = port,
            Database = "backoffice",
            Username = "postgres",
        }.ConnectionString;
        using var migrator = DotnetProgram.Start(
            DotnetProgram.MigratorDll,
            [],
            new Dictionary<string, string?>
            {
                ["ConnectionStrings__backoffice"] = connectionString,
                ["Migrator__ConnectTimeout"] = "00:00:45",
            });
        await migrator.WaitForOutputAsync("Waiting for PostgreSQL", TimeSpan.FromSeconds(30), CancellationToken);

        await using var server = new LocalPostgresServer(new LocalPostgresOptions { Port = port, UnsafeFastSettings = true });
        await server.StartAsync(CancellationToken);

        var exitCode = await migrator.WaitForExitAsync(TimeSpan.FromSeconds(45), CancellationToken);
        Assert.True(exitCode == 0, migrator.Output);
        Assert.Equal(5, await CountBoTablesAsync(connectionString));
    }

    private static Task<(int ExitCode, string Output)> RunMigratorAsync(string connectionString, params string[] arguments) =>
        DotnetProgram.RunAsync(
            DotnetProgram.MigratorDll,
            arguments,
            new Dictionary<string, string?> { ["ConnectionStrings__backoffice"] = connectionString },
            CancellationToken);

    /// <summary>The <c>application_name</c> of the session running <c>CREATE DATABASE</c>, if one is.</summary>
    private static async Task<string?> CreatingSessionNameAsync(string adminConnectionString)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT application_name FROM pg_stat_activity WHERE query LIKE 'CREATE DATABASE%' AND pid <> pg_backend_pid()", connection);
        return await command.ExecuteScalarAsync(CancellationToken) as string;
    }

    private static async Task<long> CountBoTablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'bo' AND tablename <> '__EFMigrationsHistory'", connection);
        return (long)(await command.ExecuteScalarAsync(CancellationToken))!;
    }
}
