using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace Backoffice.Data;

/// <summary>
/// Applies pending migrations with one migrator at a time per database, whatever the number of
/// migrations pending.
/// </summary>
/// <remarks>
/// EF Core's own migration lock (on the history table) is taken inside the transaction of a
/// migration and so ends at its commit: with two migrations pending, a second migrator that read the
/// history before the first committed applies the second migration again (seen as a duplicate key
/// in the history table when the schema had two migrations). A session-level advisory lock, held on
/// the connection EF then uses for the whole <c>MigrateAsync</c>, serialises the migrators; the
/// one that waited reads the history afterwards and finds nothing pending.
/// </remarks>
public static class ExclusiveMigration
{
    /// <summary>First key of the two-key advisory lock ("BOM1"), apart from the pair locks' class.</summary>
    public const int AdvisoryLockClass = 0x424F_4D31;

    public static async Task MigrateExclusivelyAsync(this DatabaseFacade database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var connection = (NpgsqlConnection)database.GetDbConnection();
        var openedHere = connection.State != ConnectionState.Open;
        if (openedHere)
        {
            // EF Core leaves a connection it did not open open, so every migration runs in this session.
            await database.OpenConnectionAsync(cancellationToken);
        }

        try
        {
            await LockAsync(connection, "SELECT pg_advisory_lock($1, 0)", cancellationToken);
            try
            {
                await database.MigrateAsync(cancellationToken);
            }
            finally
            {
                // A broken session took its lock with it. Otherwise unlock, and not with the caller's
                // token: the lock must not outlive a cancelled migration in a pooled session.
                if (connection.FullState == ConnectionState.Open)
                {
                    await LockAsync(connection, "SELECT pg_advisory_unlock($1, 0)", CancellationToken.None);
                }
            }
        }
        finally
        {
            if (openedHere)
            {
                await database.CloseConnectionAsync();
            }
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new NpgsqlParameter<int> { TypedValue = AdvisoryLockClass } },
            // Waiting for another migrator is not a slow command: it ends when that migrator does.
            CommandTimeout = 0,
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
