using System.Text.Json.Nodes;
using Backoffice.Data;
using Backoffice.LocalInfra.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Bench.Infrastructure;

/// <summary>
/// A private PostgreSQL 15 with the server's default durability (fsync, synchronous_commit and
/// full_page_writes on: unlike the test fixture), so the product and its baseline face the same,
/// realistic server. pg_stat_statements is loaded for profiling and for reading the SQL the API runs.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    private readonly LocalPostgresServer _server;

    private BenchPostgres(LocalPostgresServer server) => _server = server;

    public LocalPostgresServer Server => _server;

    private static bool KeepData => Environment.GetEnvironmentVariable("BENCH_KEEP_DATA") == "1";

    public static async Task<BenchPostgres> StartAsync(BenchContext context)
    {
        var server = new LocalPostgresServer(new LocalPostgresOptions
        {
            // Under /var/tmp: on the same disk as everything else, never a tmpfs.
            DataDirectory = Path.Combine("/var/tmp", $"bo-bench-pg-{Guid.NewGuid():N}"[..24]),
            // BENCH_KEEP_DATA=1 keeps the data directory (stopped) for EXPLAIN after the run.
            DeleteDataDirectoryOnDispose = !KeepData,
            UnsafeFastSettings = false,
            MaxConnections = 200,
            Settings = new Dictionary<string, string>
            {
                ["shared_preload_libraries"] = "pg_stat_statements",
                ["pg_stat_statements.track"] = "top",
                // The API's lookup is longer than the default 1 kB: keep its full text in pg_stat_activity.
                ["track_activity_query_size"] = "16384",
            },
        });
        try
        {
            await server.StartAsync(context.CancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        context.Log($"PostgreSQL {server.MajorVersion} on {LocalPostgresServer.Host}:{server.Port} ({server.DataDirectory}), default durability"
            + (KeepData ? "; the data directory is kept (BENCH_KEEP_DATA=1)" : ""));
        return new BenchPostgres(server);
    }

    /// <summary>Creates a database and applies the Backoffice migrations to it; returns its connection string.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await _server.EnsureDatabaseAsync(name, cancellationToken);
        var connectionString = _server.GetConnectionString(name);
        var builder = new DbContextOptionsBuilder<BoDbContext>();
        builder.UseBoPostgres(connectionString);
        var options = builder.Options;
        await using (var db = new BoDbContext(options))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        await ExecuteAsync(connectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", cancellationToken);
        return connectionString;
    }

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken, int timeoutSeconds = 600)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = timeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Settings that decide write speed, as the server reports them.</summary>
    public static async Task<JsonObject> DescribeAsync(string connectionString, CancellationToken cancellationToken)
    {
        var settings = new JsonObject();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT name, setting || COALESCE(unit, '') FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers',
                           'max_wal_size', 'checkpoint_timeout', 'work_mem', 'max_connections', 'wal_buffers', 'commit_delay')
            ORDER BY name
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            settings[reader.GetString(0)] = reader.GetString(1);
        }

        await reader.DisposeAsync();
        await using var version = new NpgsqlCommand("SELECT version()", connection);
        settings["version"] = (string?)await version.ExecuteScalarAsync(cancellationToken);
        return settings;
    }

    /// <summary>
    /// Writes ≈ 1 GB of WAL into a throwaway table, then checkpoints: a new server creates and
    /// zero-fills its WAL segments as the first heavy writer needs them, and later writers recycle
    /// them, so without this the first measured phase pays for work the others do not.
    /// </summary>
    public static async Task WarmUpWalAsync(BenchContext context, string connectionString)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ExecuteAsync(connectionString, """
            CREATE TABLE bench_wal_warmup AS SELECT g, repeat('w', 900) AS filler FROM generate_series(1, 1000000) AS g;
            DROP TABLE bench_wal_warmup;
            CHECKPOINT
            """, context.CancellationToken);
        context.Log($"WAL warm-up: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Vacuums and analyses a database a phase has just filled, then checkpoints, outside every
    /// measured window: otherwise autovacuum processes the phase's new tables while the next phase
    /// is measured, and that phase pays for the previous one's clean-up (the consumer's drain did,
    /// for the first baseline's 1 GB of new rows), and plans are made without statistics. Returns
    /// the seconds it took.
    /// </summary>
    public static async Task<double> SettleAsync(BenchContext context, string connectionString, string who)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ExecuteAsync(connectionString, "VACUUM (ANALYZE)", context.CancellationToken);
        await ExecuteAsync(connectionString, "CHECKPOINT", context.CancellationToken);
        context.Log($"{who}: VACUUM (ANALYZE) and CHECKPOINT, not measured: {clock.Elapsed.TotalSeconds:0.0} s");
        return Math.Round(clock.Elapsed.TotalSeconds, 1);
    }

    public static async Task ResetStatementsAsync(string connectionString, CancellationToken cancellationToken) =>
        await ExecuteAsync(connectionString, "SELECT pg_stat_statements_reset()", cancellationToken);

    /// <summary>The statements of this database that took the most server time since the last reset (pg_stat_statements).</summary>
    public static async Task<JsonArray> TopStatementsAsync(string connectionString, int count, CancellationToken cancellationToken)
    {
        var top = new JsonArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT regexp_replace(left(query, 160), '\s+', ' ', 'g'), calls, total_exec_time, rows,
                   shared_blks_hit, shared_blks_read, wal_bytes
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT $1
            """, connection);
        command.Parameters.AddWithValue(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var calls = reader.GetInt64(1);
            top.Add(new JsonObject
            {
                ["query"] = reader.GetString(0),
                ["calls"] = calls,
                ["total_ms"] = BenchResult.Round(reader.GetDouble(2), 1),
                ["mean_ms"] = BenchResult.Round(calls == 0 ? 0 : reader.GetDouble(2) / calls, 3),
                ["rows"] = reader.GetInt64(3),
                ["shared_blocks_hit"] = reader.GetInt64(4),
                ["shared_blocks_read"] = reader.GetInt64(5),
                ["wal_mib"] = BenchResult.Round((double)reader.GetDecimal(6) / 1048576.0, 1),
            });
        }

        return top;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
