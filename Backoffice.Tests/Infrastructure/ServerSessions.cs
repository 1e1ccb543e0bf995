using Npgsql;

namespace Backoffice.Tests.Infrastructure;

/// <summary>What PostgreSQL itself sees of a service's connections.</summary>
public static class ServerSessions
{
    /// <summary>
    /// Sessions in the connection string's database whose <c>application_name</c> is
    /// <paramref name="applicationName"/> (services under test in other databases may share the
    /// name), counted over an unpooled connection of its own, so the count never includes the observer.
    /// </summary>
    public static async Task<long> CountAsync(string connectionString, string applicationName, CancellationToken cancellationToken)
    {
        var observer = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "bo-test-observer", Pooling = false };
        await using var connection = new NpgsqlConnection(observer.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()", connection);
        command.Parameters.AddWithValue(applicationName);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
