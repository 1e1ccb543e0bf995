using System.Data;
using System.Text;
using Backoffice.Simulator.Oracle;
using Npgsql;

namespace Backoffice.Chaos.Oracle;

/// <summary>A <c>bo.consumer_dlq_events</c> row: where the message was, what it was rejected for, how often it came.</summary>
public sealed record DlqRow(string Topic, int Partition, long Offset, string Stream, string? Key, string ErrorCode, int AttemptCount);

/// <summary>
/// The stored state in the oracle's terms (the columns the events determine; no ingestion times,
/// source positions or payloads), read in one snapshot so the four tables agree with each other.
/// </summary>
public sealed record DatabaseSnapshot(
    IReadOnlyList<ExpectedLedgerEntry> LedgerEntries,
    IReadOnlyList<ExpectedPaymentOrder> PaymentOrders,
    IReadOnlyList<ExpectedPair> Pairs,
    IReadOnlyList<DlqRow> Dlq)
{
    public static async Task<DatabaseSnapshot> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        // Unpooled: the run may restart the server, which leaves pooled sessions dead.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // A scenario may give the database a short statement timeout; reading a large state is not what it is for.
        await using (var noTimeout = new NpgsqlCommand("SET LOCAL statement_timeout = 0", connection, transaction))
        {
            await noTimeout.ExecuteNonQueryAsync(cancellationToken);
        }

        var ledger = await QueryAsync(connection, """
            SELECT tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status, occurred_at, updated_at, source_version, event_id
            FROM bo.ledger_entries ORDER BY tx_id COLLATE "C"
            """, r => new ExpectedLedgerEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7),
                Time(r, 8), Time(r, 9), Long(r, 10), Text(r, 11)), cancellationToken);
        var orders = await QueryAsync(connection, """
            SELECT order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at, source_version, event_id
            FROM bo.payment_orders ORDER BY order_id COLLATE "C"
            """, r => new ExpectedPaymentOrder(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetDecimal(2), Text(r, 3), Text(r, 4), Text(r, 5),
                Time(r, 6), Time(r, 7), Long(r, 8), Text(r, 9)), cancellationToken);
        var pairs = await QueryAsync(connection, """
            SELECT related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id, payment_amount, receive_amount, currency, leg_count
            FROM bo.payment_ledger_pairs ORDER BY related_id COLLATE "C"
            """, r => new ExpectedPair(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5),
                r.IsDBNull(6) ? null : r.GetDecimal(6), r.IsDBNull(7) ? null : r.GetDecimal(7), Text(r, 8), r.GetInt32(9)), cancellationToken);
        var dlq = await QueryAsync(connection, """
            SELECT topic, partition, "offset", stream, message_key, error_code, attempt_count
            FROM bo.consumer_dlq_events ORDER BY topic COLLATE "C", partition, "offset"
            """, r => new DlqRow(r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3),
                r.IsDBNull(4) ? null : Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(4)), r.GetString(5), r.GetInt32(6)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new DatabaseSnapshot(ledger, orders, pairs, dlq);
    }

    private static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetDateTime(i), TimeSpan.Zero);
}
