using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary><c>Backoffice.LocalPostgres</c>, the console the AppHost runs when no container runtime answers.</summary>
public sealed class LocalPostgresToolTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"backoffice-localpg-{Guid.NewGuid():N}");

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starts_creates_the_database_accepts_the_password_and_stops_on_SIGTERM_with_exit_0()
    {
        var port = FreePort();
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

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
