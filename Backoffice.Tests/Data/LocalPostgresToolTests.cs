using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary><c>Backoffice.LocalPostgres</c>, the console the AppHost runs when no container runtime answers.</summary>
public sealed class LocalPostgresToolTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"backoffice-localpg-{Guid.NewGuid():N}");

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starts_PostgreSQL_15_with_the_database_and_password_and_stops_on_SIGTERM_with_exit_0()
    {
        var port = FreePort.Next();
        using var tool = DotnetProgram.Start(
            DotnetProgram.LocalPostgresDll,
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", _dataDirectory],
            new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = "s3cret" });

        await tool.WaitForOutputAsync($"listening on 127.0.0.1:{port}", TimeSpan.FromSeconds(60), CancellationToken);
        Assert.Matches(@"PostgreSQL \d+ listening on 127\.0\.0\.1:" + port, tool.Output);

        var connectionString = $"Host=127.0.0.1;Port={port};Database=backoffice;Username=postgres;Pooling=false";
        await using (var connection = new NpgsqlConnection(connectionString + ";Password=s3cret"))
        {
            await connection.OpenAsync(CancellationToken);
            Assert.True(connection.PostgreSqlVersion.Major >= 15, $"PostgreSQL {connection.PostgreSqlVersion}");
            Assert.Equal("127.0.0.1", await SettingAsync(connection, "listen_addresses"));
            Assert.Equal("200", await SettingAsync(connection, "max_connections"));
            // A development server keeps its data: the fast, unsafe settings are for test servers only.
            Assert.Equal("on", await SettingAsync(connection, "fsync"));
        }

        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Password=wrong");
            await connection.OpenAsync(CancellationToken);
        });
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);

        tool.SendSigterm();
        var exitCode = await tool.WaitForExitAsync(TimeSpan.FromSeconds(30), CancellationToken);
        Assert.True(exitCode == 0, tool.Output);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")), "the server is still running");
    }

    [Fact]
    public async Task Refuses_to_start_without_a_password_unless_trust_is_asked_for()
    {
        var (exitCode, output) = await DotnetProgram.RunAsync(
            DotnetProgram.LocalPostgresDll, ["--data-dir", _dataDirectory], new Dictionary<string, string?>(), CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("POSTGRES_PASSWORD", output, StringComparison.Ordinal);
    }

    private static async Task<string?> SettingAsync(NpgsqlConnection connection, string name)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return (string?)await command.ExecuteScalarAsync(CancellationToken);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
