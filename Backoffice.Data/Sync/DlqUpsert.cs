using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>
/// Writes DLQ rows (§6): one row per (topic, partition, offset); a redelivered bad message
/// increments <c>attempt_count</c> and <c>last_failed_at</c> and records the latest error.
/// </summary>
public static class DlqUpsert
{
    private const string Upsert = """
        INSERT INTO bo.consumer_dlq_events AS dlq (
            topic, partition, "offset", message_key, payload, payload_size, payload_sha256, headers, stream,
            error_code, error_stage, error_message, first_failed_at, last_failed_at, attempt_count, status)
        SELECT topic, partition, "offset", message_key, payload, payload_size, payload_sha256, headers::jsonb, stream,
               error_code, error_stage, error_message, now(), now(), 1, 'PENDING'
        FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bytea[], $5::bytea[], $6::int[], $7::bytea[], $8::text[],
                    $9::text[], $10::text[], $11::text[], $12::text[])
            AS t(topic, partition, "offset", message_key, payload, payload_size, payload_sha256, headers, stream,
                 error_code, error_stage, error_message)
        ORDER BY topic, partition, "offset"
        ON CONFLICT (topic, partition, "offset") DO UPDATE SET
            attempt_count = dlq.attempt_count + 1,
            last_failed_at = excluded.last_failed_at,
            error_code = excluded.error_code,
            error_stage = excluded.error_stage,
            error_message = excluded.error_message
        """;

    /// <summary>Queues the upsert of <paramref name="rows"/>, which must have distinct source positions.</summary>
    public static void Add(SyncRoundTrip trip, IReadOnlyList<DlqUpsertRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        trip.Add(new NpgsqlBatchCommand(Upsert)
        {
            Parameters =
            {
                SqlArrays.Text(rows.Select(r => (string?)r.Source.Topic)),
                SqlArrays.Integer(rows.Select(r => (int?)r.Source.Partition)),
                SqlArrays.BigInt(rows.Select(r => (long?)r.Source.Offset)),
                SqlArrays.Bytes(rows.Select(r => r.MessageKey)),
                SqlArrays.Bytes(rows.Select(r => r.Payload)),
                SqlArrays.Integer(rows.Select(r => (int?)r.PayloadSize)),
                SqlArrays.Bytes(rows.Select(r => r.PayloadSha256)),
                SqlArrays.Text(rows.Select(r => r.HeadersJson)),
                SqlArrays.Text(rows.Select(r => (string?)r.Stream)),
                SqlArrays.Text(rows.Select(r => (string?)r.ErrorCode)),
                SqlArrays.Text(rows.Select(r => (string?)r.ErrorStage)),
                SqlArrays.Text(rows.Select(r => (string?)r.ErrorMessage)),
            },
        });
    }
}
