using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>
/// Set-based last-writer-wins upsert of ledger entries (§3): one statement for the whole batch,
/// applying a row iff its version key is greater than the stored one, and reporting per row
/// whether it was inserted, updated, stale or a duplicate.
/// </summary>
public static class LedgerUpsert
{
    private static readonly string Upsert = $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[],
                                 $8::text[], $9::timestamptz[], $10::timestamptz[], $11::bigint[], $12::text[],
                                 $13::text[], $14::int[], $15::bigint[], $16::text[]) WITH ORDINALITY
                AS t(tx_id, wallet_id, entry_type, amount, currency, related_id, related_type,
                     status, occurred_at, updated_at, source_version, event_id,
                     source_topic, source_partition, source_offset, payload, ord)
        ),
        -- The rows that already exist, locked in key order (no deadlock between two batches) before
        -- anything is inserted (the one-time filter below), as they are now: under READ COMMITTED a
        -- row another transaction changed while this one waited is returned in its newest version.
        -- The upsert then conflicts with exactly these versions (ours until the commit), so the
        -- outcomes read from them are exact; one index probe per key locks and reads the row.
        before AS MATERIALIZED (
            SELECT tx_id, related_id, related_type, entry_type, amount, currency, updated_at, source_version, ingested_at
            FROM bo.ledger_entries
            WHERE tx_id = ANY($1)
            ORDER BY tx_id
            FOR UPDATE
        ),
        applied AS (
            INSERT INTO bo.ledger_entries AS stored (
                tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status,
                occurred_at, updated_at, source_version, ingested_at, first_ingested_at, event_id,
                source_topic, source_partition, source_offset, payload)
            SELECT tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status,
                   occurred_at, updated_at, source_version, now(), now(), event_id,
                   source_topic, source_partition, source_offset, payload::jsonb
            FROM input
            WHERE (SELECT count(*) FROM before) >= 0
            -- Key order, like the lock above: two batches inserting the same new keys cannot deadlock.
            ORDER BY tx_id
            ON CONFLICT (tx_id) DO UPDATE SET
                wallet_id = excluded.wallet_id,
                entry_type = excluded.entry_type,
                amount = excluded.amount,
                currency = excluded.currency,
                related_id = excluded.related_id,
                related_type = excluded.related_type,
                status = excluded.status,
                occurred_at = excluded.occurred_at,
                updated_at = excluded.updated_at,
                source_version = excluded.source_version,
                ingested_at = excluded.ingested_at,
                event_id = excluded.event_id,
                source_topic = excluded.source_topic,
                source_partition = excluded.source_partition,
                source_offset = excluded.source_offset,
                payload = excluded.payload
            WHERE {VersionOrder.IsNewer("excluded", "stored")}
            RETURNING stored.tx_id, (stored.xmax = 0) AS inserted,
                      stored.related_id, stored.related_type, stored.entry_type, stored.amount, stored.currency
        )
        SELECT input.ord,
               CASE
                   WHEN applied.inserted THEN 'I'
                   WHEN before.tx_id IS NULL THEN 'C'
                   WHEN applied.tx_id IS NOT NULL THEN 'U'
                   WHEN {VersionOrder.Key("input.updated_at", "input.source_version", "now()")} = {VersionOrder.KeyOf("before")} THEN 'D'
                   ELSE 'S'
               END,
               before.related_id,
               -- §4's pair row is a function of its legs' related_id, related_type, entry_type, amount
               -- and currency only (and of first_ingested_at, which an update keeps): a new leg, or
               -- an update that changed one of these, is all that can change a pair. The stored
               -- values are compared (after the column's rounding), numerically like the recomputation.
               applied.tx_id IS NOT NULL
                   AND (applied.inserted
                        OR (applied.related_id, applied.related_type, applied.entry_type, applied.amount, applied.currency)
                           IS DISTINCT FROM
                           (before.related_id, before.related_type, before.entry_type, before.amount, before.currency))
        FROM input
        LEFT JOIN applied ON applied.tx_id = input.tx_id
        LEFT JOIN before ON before.tx_id = input.tx_id
        """;

    /// <summary>Upserts <paramref name="rows"/> (distinct <c>tx_id</c>s) and returns one result per row, in order.</summary>
    /// <exception cref="ConcurrentSyncWriteException">Another transaction inserted one of the rows meanwhile; retry.</exception>
    public static async Task<IReadOnlyList<LedgerUpsertResult>> ExecuteAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<LedgerUpsertRow> rows,
        CancellationToken cancellationToken)
    {
        var trip = new SyncRoundTrip();
        var results = Add(trip, rows);
        await trip.ExecuteAsync(connection, transaction, cancellationToken);
        return results.Value;
    }

    /// <summary>Queues the row locks and the upsert of <paramref name="rows"/> (distinct <c>tx_id</c>s); one result per row, in order.</summary>
    /// <remarks>Reading the results throws <see cref="ConcurrentSyncWriteException"/> when another transaction inserted one of the rows meanwhile; retry.</remarks>
    public static SyncResult<IReadOnlyList<LedgerUpsertResult>> Add(SyncRoundTrip trip, IReadOnlyList<LedgerUpsertRow> rows)
    {
        var result = new SyncResult<IReadOnlyList<LedgerUpsertResult>>();
        if (rows.Count == 0)
        {
            result.Set([]);
            return result;
        }

        var txIds = rows.Select(r => r.TxId).ToArray();
        trip.Add(
            new NpgsqlBatchCommand(Upsert)
            {
                Parameters =
                {
                    SqlArrays.Text(txIds),
                    SqlArrays.Text(rows.Select(r => r.WalletId)),
                    SqlArrays.Text(rows.Select(r => r.EntryType)),
                    SqlArrays.Numeric(rows.Select(r => (decimal?)r.Amount)),
                    SqlArrays.Text(rows.Select(r => r.Currency)),
                    SqlArrays.Text(rows.Select(r => r.RelatedId)),
                    SqlArrays.Text(rows.Select(r => r.RelatedType)),
                    SqlArrays.Text(rows.Select(r => r.Status)),
                    SqlArrays.Timestamp(rows.Select(r => r.OccurredAt)),
                    SqlArrays.Timestamp(rows.Select(r => r.UpdatedAt)),
                    SqlArrays.BigInt(rows.Select(r => r.SourceVersion)),
                    SqlArrays.Text(rows.Select(r => r.EventId)),
                    SqlArrays.Text(rows.Select(r => (string?)r.Source.Topic)),
                    SqlArrays.Integer(rows.Select(r => (int?)r.Source.Partition)),
                    SqlArrays.BigInt(rows.Select(r => (long?)r.Source.Offset)),
                    SqlArrays.Utf8Text(rows.Select(r => r.Payload)),
                },
            },
            async (reader, cancellationToken) =>
            {
                var results = new LedgerUpsertResult[rows.Count];
                while (await reader.ReadAsync(cancellationToken))
                {
                    var index = (int)reader.GetInt64(0) - 1;
                    results[index] = new LedgerUpsertResult(
                        ParseOutcome(reader.GetString(1), rows[index].TxId), SqlArrays.ReadText(reader, 2), reader.GetBoolean(3));
                }

                result.Set(results);
            });
        return result;
    }

    internal static UpsertOutcome ParseOutcome(string code, string key) => code switch
    {
        "I" => UpsertOutcome.Inserted,
        "U" => UpsertOutcome.Updated,
        "S" => UpsertOutcome.Stale,
        "D" => UpsertOutcome.Duplicate,
        _ => throw new ConcurrentSyncWriteException($"Row '{key}' was inserted by another transaction during this upsert."),
    };
}
