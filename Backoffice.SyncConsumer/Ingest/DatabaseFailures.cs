using System.Net.Sockets;
using Backoffice.Data.Sync;
using Npgsql;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>Sorts database failures into "this message's data was refused" and "try again later" (§5).</summary>
public static class DatabaseFailures
{
    /// <summary>
    /// SQLSTATE class 22 (data exception, e.g. a value out of range, <c>\u0000</c> in jsonb or text)
    /// or 23 (integrity constraint violation): the row itself is refused, retrying cannot help.
    /// </summary>
    public static bool IsRejection(Exception exception) =>
        exception is PostgresException { SqlState: var state } && (state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal));

    /// <summary>
    /// Everything else the database path throws is retried, never sent to the DLQ: connection
    /// refused or lost (08xxx, sockets), timeouts, serialization failures and deadlocks (40001,
    /// 40P01), shutdown and recovery (57P01, 57P03), resources (53xxx), a concurrent insert of the
    /// same key, and also non-transient errors such as a missing table (the schema is not migrated
    /// yet): dropping the batch into the DLQ would blame the messages for the database's state.
    /// </summary>
    public static bool IsRetryable(Exception exception) => !IsRejection(exception) && exception switch
    {
        NpgsqlException => true,
        ConcurrentSyncWriteException => true,
        TimeoutException => true,
        IOException => true,
        SocketException => true,
        _ => false,
    };

    /// <summary>True for failures <see cref="NpgsqlException.IsTransient"/> or the SQLSTATE classes of §5 call transient (logged as warnings, the rest as errors).</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient
            || pg.SqlState is "40001" or "40P01" or "57P01" or "57P02" or "57P03" or "55P03"
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient,
        ConcurrentSyncWriteException or TimeoutException or IOException or SocketException => true,
        _ => false,
    };

    /// <summary>The connection itself is gone (server stopped or restarted): pooled connections are likely dead too.</summary>
    public static bool IsConnectionLoss(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException npgsql => npgsql.InnerException is IOException or SocketException || npgsql.IsTransient,
        _ => false,
    };
}
