using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Data;

/// <summary>
/// The one way to point a <see cref="BoDbContext"/> at PostgreSQL. The model depends on these options
/// (snake_case names come from a convention plug-in), so the API, the consumer, the migrator, the
/// design-time factory and the tests all configure the context through here.
/// </summary>
public static class BoDbContextOptionsExtensions
{
    /// <summary>The oldest server the schema and the generated SQL target (spec §1: PostgreSQL 15+).</summary>
    public static readonly Version MinimumPostgresVersion = new(15, 0);

    public const string MigrationsHistoryTable = "__EFMigrationsHistory";

    public static DbContextOptionsBuilder UseBoPostgres(this DbContextOptionsBuilder options, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return options
            .UseNpgsql(dataSource, ConfigureNpgsql)
            .UseSnakeCaseNamingConvention();
    }

    /// <summary>For tools and tests that have a connection string and no data source to share.</summary>
    public static DbContextOptionsBuilder UseBoPostgres(this DbContextOptionsBuilder options, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return options
            .UseNpgsql(connectionString, ConfigureNpgsql)
            .UseSnakeCaseNamingConvention();
    }

    private static void ConfigureNpgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql
            .SetPostgresVersion(MinimumPostgresVersion)
            // Everything the application owns lives in the bo schema, the migration history included.
            .MigrationsHistoryTable(MigrationsHistoryTable, BoDbContext.Schema);
}
