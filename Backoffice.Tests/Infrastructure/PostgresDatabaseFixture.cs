using Backoffice.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Tests.Infrastructure;

/// <summary>
/// A class fixture: one migrated database of its own for the test class that uses it
/// (<c>IClassFixture&lt;PostgresDatabaseFixture&gt;</c>), copied from the run's template.
/// </summary>
public sealed class PostgresDatabaseFixture(PostgresServerFixture server) : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public PostgresServerFixture Server => server;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource =>
        _dataSource ?? throw new InvalidOperationException("The database fixture is not initialised.");

    public BoDbContext CreateDbContext() => new(PostgresServerFixture.CreateContextOptions(ConnectionString));

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await server.CreateDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
