using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Backoffice.Data;
using Backoffice.LocalInfra.Postgres;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Backoffice.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run: a private PostgreSQL 15 started from the machine's
/// binaries (fast, unsafe settings), or the server named by <c>BO_TEST_POSTGRES</c> (an admin
/// connection string). The schema is migrated once into a template database; every
/// <see cref="CreateDatabaseAsync"/> copies it, so each test class gets its own migrated database in
/// milliseconds.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string ExternalServerVariable = "BO_TEST_POSTGRES";

    // PostgreSQL identifiers are at most 63 bytes.
    private const int MaxIdentifierLength = 63;
    private const int MaxHintLength = 32;

    private readonly string _runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly ConcurrentBag<string> _databases = [];
    private LocalPostgresServer? _server;
    private string? _adminConnectionString;
    private int _databaseCount;

    /// <summary>Superuser connection string to the <c>postgres</c> database of the server in use.</summary>
    public string AdminConnectionString =>
        _adminConnectionString ?? throw new InvalidOperationException("The PostgreSQL fixture is not initialised.");

    /// <summary>True when the tests run against <c>BO_TEST_POSTGRES</c> instead of a private server.</summary>
    public bool IsExternalServer => _server is null;

    public string TemplateDatabase => $"bo_test_template_{_runId}";

    /// <summary>
    /// The private server, for tests that stop and restart PostgreSQL. Skips the calling test when the
    /// run uses an external server, which a test must not take down. Restarting it affects every test
    /// running at the same time: such tests belong in a non-parallel collection.
    /// </summary>
    public LocalPostgresServer RequirePrivateServer()
    {
        if (_server is null)
        {
            Assert.Skip($"Needs the private PostgreSQL server; {ExternalServerVariable} points at an external one.");
        }

        return _server;
    }

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (string.IsNullOrWhiteSpace(external))
        {
            _server = new LocalPostgresServer(new LocalPostgresOptions
            {
                UnsafeFastSettings = true,
                // Every test class has its own database, hence its own Npgsql pool with idle sessions.
                MaxConnections = 500,
            });
            await _server.StartAsync();
            _adminConnectionString = _server.GetConnectionString();
        }
        else
        {
            _adminConnectionString = new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString;
        }

        await CreateTemplateAsync();
    }

    /// <summary>
    /// A new database holding the migrated <c>bo</c> schema, named after <paramref name="nameHint"/>
    /// (default: the current test class). Returns its connection string.
    /// </summary>
    public Task<string> CreateDatabaseAsync(string? nameHint = null, CancellationToken cancellationToken = default) =>
        CreateDatabaseCoreAsync(nameHint, TemplateDatabase, cancellationToken);

    /// <summary>A new, empty database (no schema, no migration history), e.g. for migration tests.</summary>
    public Task<string> CreateEmptyDatabaseAsync(string? nameHint = null, CancellationToken cancellationToken = default) =>
        CreateDatabaseCoreAsync(nameHint, template: null, cancellationToken);

    /// <summary>A connection string to a database name that does not exist yet (and is dropped at the end if created).</summary>
    public string ReserveDatabaseName(string? nameHint = null)
    {
        var name = NewDatabaseName(nameHint);
        _databases.Add(name);
        return ConnectionStringFor(name);
    }

    public static DbContextOptions<BoDbContext> CreateContextOptions(string connectionString)
    {
        var options = new DbContextOptionsBuilder<BoDbContext>();
        options.UseBoPostgres(connectionString);
        return options.Options;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            // The whole data directory goes; dropping databases one by one would only cost time.
            await _server.DisposeAsync();
            return;
        }

        if (_adminConnectionString is null)
        {
            return;
        }

        // Be polite to a shared server: leave nothing behind.
        await using var connection = await OpenAdminConnectionAsync(CancellationToken.None);
        foreach (var database in _databases)
        {
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", CancellationToken.None);
        }

        await ExecuteAsync(connection, $"ALTER DATABASE {Quote(TemplateDatabase)} WITH IS_TEMPLATE false", CancellationToken.None);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(TemplateDatabase)} WITH (FORCE)", CancellationToken.None);
    }

    private async Task CreateTemplateAsync()
    {
        await using (var connection = await OpenAdminConnectionAsync(CancellationToken.None))
        {
            await ExecuteAsync(connection, $"CREATE DATABASE {Quote(TemplateDatabase)}", CancellationToken.None);
        }

        var templateConnectionString = new NpgsqlConnectionStringBuilder(ConnectionStringFor(TemplateDatabase))
        {
            // No idle pooled session may stay on the template: CREATE DATABASE … TEMPLATE refuses then.
            Pooling = false,
        }.ConnectionString;
        await using (var db = new BoDbContext(CreateContextOptions(templateConnectionString)))
        {
            await db.Database.MigrateAsync();
        }

        await using (var connection = await OpenAdminConnectionAsync(CancellationToken.None))
        {
            // Nobody (autovacuum included) connects to it any more, so copies never find it "in use".
            await ExecuteAsync(
                connection,
                $"ALTER DATABASE {Quote(TemplateDatabase)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                CancellationToken.None);
        }
    }

    private async Task<string> CreateDatabaseCoreAsync(string? nameHint, string? template, CancellationToken cancellationToken)
    {
        var name = NewDatabaseName(nameHint);
        _databases.Add(name);
        var sql = template is null
            ? $"CREATE DATABASE {Quote(name)}"
            : $"CREATE DATABASE {Quote(name)} TEMPLATE {Quote(template)} STRATEGY FILE_COPY";
        await using var connection = await OpenAdminConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteAsync(connection, sql, cancellationToken);
                return ConnectionStringFor(name);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                // "source database is being accessed by other users": a session on the template is
                // leaving; wait it out.
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private string NewDatabaseName(string? nameHint)
    {
        var hint = Sanitize(nameHint ?? TestContext.Current.TestClass?.TestClassSimpleName ?? "test");
        var suffix = $"_{Interlocked.Increment(ref _databaseCount)}_{_runId}";
        var name = $"bo_{hint}";
        return (name.Length + suffix.Length > MaxIdentifierLength ? name[..(MaxIdentifierLength - suffix.Length)] : name) + suffix;
    }

    private static string Sanitize(string hint)
    {
        var builder = new StringBuilder(MaxHintLength);
        foreach (var character in hint.ToLowerInvariant())
        {
            if (builder.Length == MaxHintLength)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(character) ? character : '_');
        }

        return builder.ToString();
    }

    private string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
