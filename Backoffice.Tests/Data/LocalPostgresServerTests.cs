using Backoffice.LocalInfra.Postgres;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary>
/// The private server the tests and the AppHost's no-container mode run. These use servers of their
/// own: stopping the shared fixture server would pull the database from under other test classes.
/// </summary>
public sealed class LocalPostgresServerTests
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stop_then_start_restarts_on_the_same_data_directory_and_port_keeping_the_data()
    {
        await using var server = new LocalPostgresServer(new LocalPostgresOptions { UnsafeFastSettings = true, SuperuserPassword = "pw" });
        await server.StartAsync(CancellationToken);
        var port = server.Port;
        await ExecuteAsync(server.GetConnectionString(), "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('before restart')");

        await server.StopAsync(CancellationToken);
        Assert.False(server.IsRunning);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(server.GetConnectionString(), "SELECT 1"));

        await server.StartAsync(CancellationToken);
        Assert.Equal(port, server.Port);
        Assert.Equal("before restart", await ScalarAsync(server.GetConnectionString(), "SELECT value FROM kept"));
    }

    [Fact]
    public async Task A_server_left_running_on_the_data_directory_is_stopped_and_replaced()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"backoffice-leftover-{Guid.NewGuid():N}");
        // The first instance plays a process killed with SIGKILL: its server keeps running, unmanaged.
        await using var abandoned = new LocalPostgresServer(new LocalPostgresOptions { DataDirectory = dataDirectory, UnsafeFastSettings = true });
        await abandoned.StartAsync(CancellationToken);
        await ExecuteAsync(abandoned.GetConnectionString(), "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('from the first run')");

        await using var next = new LocalPostgresServer(new LocalPostgresOptions
        {
            DataDirectory = dataDirectory,
            DeleteDataDirectoryOnDispose = true,
            Port = abandoned.Port,
            UnsafeFastSettings = true,
        });
        await next.StartAsync(CancellationToken);

        await abandoned.WaitForExitAsync(CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken);
        Assert.True(next.IsRunning);
        Assert.Equal("from the first run", await ScalarAsync(next.GetConnectionString(), "SELECT value FROM kept"));
    }

    [Fact]
    public void A_bin_directory_without_the_server_programs_is_refused_with_a_clear_error()
    {
        var exception = Assert.Throws<InvalidOperationException>(
            () => new LocalPostgresServer(new LocalPostgresOptions { BinDirectory = Path.GetTempPath() }));

        Assert.Contains("initdb", exception.Message, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(NoPooling(connectionString));
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(CancellationToken);
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(NoPooling(connectionString));
        await connection.OpenAsync(CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync(CancellationToken);
    }

    private static string NoPooling(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
