using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>Set-based last-writer-wins upsert of payment orders (§3), the same shape as <see cref="LedgerUpsert"/>.</summary>
public static class PaymentOrderUpsert
{
    private static readonly string Upsert = $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[],
                                 $7::timestamptz[], $8::timestamptz[], $9::bigint[], $10::text[],
                                 $11::text[], $12::int[], $13::bigint[], $14::text[]) WITH ORDINALITY
                AS t(order_id, status, amount, currency, payer_wallet_id, payee_wallet_id,
                     created_at, updated_at, source_version, event_id,
                     source_topic, source_partition, source_offset, payload, ord)
        ),
        -- The rows that already exist, locked in key order (no deadlock between two batches) before
        -- anything is inserted (the one-time filter below), as they are now: under READ COMMITTED a
        -- row another transaction changed while this one waited is returned in its newest version.
        -- The upsert then conflicts with exactly these versions (ours until the commit), so the
        -- outcomes read from them are exact; one index probe per key locks and reads the row.
        before AS MATERIALIZED (
            SELECT order_id, updated_at, source_version, ingested_at
            FROM bo.payment_orders
            WHERE order_id = ANY($1)
            ORDER BY order_id
            FOR UPDATE
        ),
        applied AS (
            INSERT INTO bo.payment_orders AS stored (
                order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at,
                source_version, ingested_at, first_ingested_at, event_id,
                source_topic, source_partition, source_offset, payload)
            SELECT order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at,
                   source_version, now(), now(), event_id,
                   source_topic, source_partition, source_offset, payload::jsonb
            FROM input
            WHERE (SELECT count(*) FROM before) >= 0
            -- Key order, like the lock above: two batches inserting the same new keys cannot deadlock.
            ORDER BY order_id
            ON CONFLICT (order_id) DO UPDATE SET
                status = excluded.status,
                amount = excluded.amount,
                currency = excluded.currency,
                payer_wallet_id = excluded.payer_wallet_id,
                payee_wallet_id = excluded.payee_wallet_id,
                created_at = excluded.created_at,
                updated_at = excluded.updated_at,
                source_version = excluded.source_version,
                ingested_at = excluded.ingested_at,
                event_id = excluded.event_id,
                source_topic = excluded.source_topic,
                source_partition = excluded.source_partition,
                source_offset = excluded.source_offset,
                payload = excluded.payload
            WHERE {VersionOrder.IsNewer("excluded", "stored")}
            RETURNING stored.order_id, (stored.xmax = 0) AS inserted
        )
        SELECT input.ord,
               CASE
                   WHEN applied.inserted THEN 'I'
                   WHEN before.order_id IS NULL THEN 'C'
                   WHEN applied.order_id IS NOT NULL THEN 'U'
                   WHEN {VersionOrder.Key("input.updated_at", "input.source_version", "now()")} = {VersionOrder.KeyOf("before")} THEN 'D'
                   ELSE 'S'
               END
        FROM input
        LEFT JOIN applied ON applied.order_id = input.order_id
        LEFT JOIN before ON before.order_id = input.order_id
        """;

    /// <summary>Queues the row locks and the upsert of <paramref name="rows"/> (distinct <c>order_id</c>s); one outcome per row, in order.</summary>
    /// <remarks>Reading the results throws <see cref="ConcurrentSyncWriteException"/> when another transaction inserted one of the rows meanwhile; retry.</remarks>
    public static SyncResult<IReadOnlyList<UpsertOutcome>> Add(SyncRoundTrip trip, IReadOnlyList<PaymentOrderUpsertRow> rows)
    {
        var result = new SyncResult<IReadOnlyList<UpsertOutcome>>();
        if (rows.Count == 0)
        {
            result.Set([]);
            return result;
        }

        var orderIds = rows.Select(r => r.OrderId).ToArray();
        trip.Add(
            new NpgsqlBatchCommand(Upsert)
            {
                Parameters =
                {
                    SqlArrays.Text(orderIds),
                    SqlArrays.Text(rows.Select(r => (string?)r.Status)),
                    SqlArrays.Numeric(rows.Select(r => r.Amount)),
                    SqlArrays.Text(rows.Select(r => r.Currency)),
                    SqlArrays.Text(rows.Select(r => r.PayerWalletId)),
                    SqlArrays.Text(rows.Select(r => r.PayeeWalletId)),
                    SqlArrays.Timestamp(rows.Select(r => r.CreatedAt)),
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
                var results = new UpsertOutcome[rows.Count];
                while (await reader.ReadAsync(cancellationToken))
                {
                    var index = (int)reader.GetInt64(0) - 1;
                    results[index] = LedgerUpsert.ParseOutcome(reader.GetString(1), rows[index].OrderId);
                }

                result.Set(results);
            });
        return result;
    }
}
