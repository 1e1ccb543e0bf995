using Backoffice.Data.Pairing;
using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>A ledger leg as pairing sees it.</summary>
public sealed record PairLeg(
    string RelatedId,
    string? RelatedType,
    string TxId,
    string EntryType,
    decimal Amount,
    string? Currency,
    DateTimeOffset FirstIngestedAt);

/// <summary>The legs and the stored pair rows of some <c>related_id</c>s, read under their pair locks, and the transaction time.</summary>
public sealed record PairSnapshot(
    IReadOnlyDictionary<string, IReadOnlyList<PairLeg>> LegsByRelatedId,
    IReadOnlyDictionary<string, PaymentLedgerPair> PairsByRelatedId,
    DateTimeOffset TransactionTime);

/// <summary>
/// Reads and writes <c>bo.payment_ledger_pairs</c> (§4) inside the ledger write's transaction.
/// The pair key is <c>related_id</c> (the table's primary key).
/// </summary>
public static class PairUpsert
{
    /// <summary>First key of the two-key advisory locks, so pair locks cannot collide with other advisory lock users.</summary>
    public const int AdvisoryLockClass = 0x424F_5031; // "BOP1"

    // Two transactions writing the two legs of one payment must not both miss the other's leg.
    // The lock is taken in a statement of its own, before the reads: under READ COMMITTED each
    // statement takes a new snapshot, so the read that follows a wait sees the leg the other
    // transaction committed. Locks are taken in hash order so two batches cannot deadlock.
    private const string Lock = """
        SELECT pg_advisory_xact_lock($2, k)
        FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($1::text[]) AS id ORDER BY k) AS keys
        """;

    // JIT compiles the expressions of statements the planner thinks are expensive. On a table
    // without statistics the legs read below is estimated at hundreds of thousands of rows, and
    // compiling it costs 20-80 ms for a read that takes one; none of the consumer's statements is
    // big enough for JIT to pay off, so it is off for the rest of the transaction.
    private const string NoJit = "SET LOCAL jit = off";

    // One index probe per key, whatever the table's statistics say. The obvious
    // `WHERE related_id = ANY($1)` (or a join to unnest($1)) is planned from statistics, and a table
    // that is new and growing fast (a first load, a replay into a fresh database) has none:
    // PostgreSQL then assumes each key matches 0.5 % of the rows, and a few hundred keys "match"
    // the whole table, so it scans all of it for every batch. The LATERAL subquery with OFFSET 0
    // cannot be flattened into that join: it runs once per key with `related_id = k.id`, which the
    // index on related_id serves at any table size.
    private const string ReadLegs = """
        SELECT e.related_id, e.related_type, e.tx_id, e.entry_type, e.amount, e.currency, e.first_ingested_at
        FROM unnest($1::text[]) AS k(id)
        CROSS JOIN LATERAL (
            SELECT related_id, related_type, tx_id, entry_type, amount, currency, first_ingested_at
            FROM bo.ledger_entries
            WHERE related_id = k.id
            OFFSET 0
        ) AS e
        """;

    private const string ReadPairs = """
        SELECT related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
               payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at
        FROM bo.payment_ledger_pairs WHERE related_id = ANY($1)
        """;

    private const string Write = """
        INSERT INTO bo.payment_ledger_pairs (
            related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
            payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::numeric[], $8::numeric[], $9::text[], $10::int[], $11::timestamptz[],
                             $12::timestamptz[], $13::timestamptz[])
        ON CONFLICT (related_id) DO UPDATE SET
            related_type = excluded.related_type,
            pairing_status = excluded.pairing_status,
            pairing_reason = excluded.pairing_reason,
            payment_tx_id = excluded.payment_tx_id,
            receive_tx_id = excluded.receive_tx_id,
            payment_amount = excluded.payment_amount,
            receive_amount = excluded.receive_amount,
            currency = excluded.currency,
            leg_count = excluded.leg_count,
            first_leg_at = excluded.first_leg_at,
            completed_at = excluded.completed_at,
            status_changed_at = excluded.status_changed_at
        """;

    private const string Delete = "DELETE FROM bo.payment_ledger_pairs WHERE related_id = ANY($1)";

    /// <summary>
    /// Queues the pair locks of <paramref name="relatedIds"/> (held until the transaction ends), then
    /// the reads of their legs and pair rows and the transaction time.
    /// </summary>
    public static SyncResult<PairSnapshot> AddLockAndRead(SyncRoundTrip trip, IReadOnlyCollection<string> relatedIds)
    {
        var keys = relatedIds.Distinct(StringComparer.Ordinal).ToArray();
        var legs = new Dictionary<string, List<PairLeg>>(StringComparer.Ordinal);
        var pairs = new Dictionary<string, PaymentLedgerPair>(StringComparer.Ordinal);
        var snapshot = new SyncResult<PairSnapshot>();
        trip.Add(new NpgsqlBatchCommand(NoJit));
        trip.Add(new NpgsqlBatchCommand(Lock) { Parameters = { SqlArrays.Text(keys), new NpgsqlParameter<int> { TypedValue = AdvisoryLockClass } } }, read: null);
        trip.Add(new NpgsqlBatchCommand(ReadLegs) { Parameters = { SqlArrays.Text(keys) } }, async (reader, cancellationToken) =>
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var leg = new PairLeg(
                    reader.GetString(0),
                    SqlArrays.ReadText(reader, 1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetDecimal(4),
                    SqlArrays.ReadText(reader, 5),
                    SqlArrays.ReadTimestamp(reader, 6)!.Value);
                if (!legs.TryGetValue(leg.RelatedId, out var list))
                {
                    legs[leg.RelatedId] = list = [];
                }

                list.Add(leg);
            }
        });
        trip.Add(new NpgsqlBatchCommand(ReadPairs) { Parameters = { SqlArrays.Text(keys) } }, async (reader, cancellationToken) =>
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var pair = new PaymentLedgerPair
                {
                    RelatedId = reader.GetString(0),
                    RelatedType = reader.GetString(1),
                    PairingStatus = reader.GetString(2),
                    PairingReason = SqlArrays.ReadText(reader, 3),
                    PaymentTxId = SqlArrays.ReadText(reader, 4),
                    ReceiveTxId = SqlArrays.ReadText(reader, 5),
                    PaymentAmount = SqlArrays.ReadNumeric(reader, 6),
                    ReceiveAmount = SqlArrays.ReadNumeric(reader, 7),
                    Currency = SqlArrays.ReadText(reader, 8),
                    LegCount = reader.GetInt32(9),
                    FirstLegAt = SqlArrays.ReadTimestamp(reader, 10)!.Value,
                    CompletedAt = SqlArrays.ReadTimestamp(reader, 11),
                    StatusChangedAt = SqlArrays.ReadTimestamp(reader, 12)!.Value,
                };
                pairs[pair.RelatedId] = pair;
            }
        });
        trip.Add(new NpgsqlBatchCommand("SELECT now()"), async (reader, cancellationToken) =>
        {
            await reader.ReadAsync(cancellationToken);
            snapshot.Set(new PairSnapshot(
                legs.ToDictionary(l => l.Key, l => (IReadOnlyList<PairLeg>)l.Value, StringComparer.Ordinal),
                pairs,
                SqlArrays.ReadTimestamp(reader, 0)!.Value));
        });
        return snapshot;
    }

    /// <summary>Queues the writes of the recomputed pair rows and the deletes of the keys that no longer have a leg.</summary>
    public static void AddWrite(SyncRoundTrip trip, IReadOnlyList<PaymentLedgerPair> upserts, IReadOnlyCollection<string> deletes)
    {
        if (upserts.Count > 0)
        {
            trip.Add(new NpgsqlBatchCommand(Write)
            {
                Parameters =
                {
                    SqlArrays.Text(upserts.Select(p => (string?)p.RelatedId)),
                    SqlArrays.Text(upserts.Select(p => (string?)p.RelatedType)),
                    SqlArrays.Text(upserts.Select(p => (string?)p.PairingStatus)),
                    SqlArrays.Text(upserts.Select(p => p.PairingReason)),
                    SqlArrays.Text(upserts.Select(p => p.PaymentTxId)),
                    SqlArrays.Text(upserts.Select(p => p.ReceiveTxId)),
                    SqlArrays.Numeric(upserts.Select(p => p.PaymentAmount)),
                    SqlArrays.Numeric(upserts.Select(p => p.ReceiveAmount)),
                    SqlArrays.Text(upserts.Select(p => p.Currency)),
                    SqlArrays.Integer(upserts.Select(p => (int?)p.LegCount)),
                    SqlArrays.Timestamp(upserts.Select(p => (DateTimeOffset?)p.FirstLegAt)),
                    SqlArrays.Timestamp(upserts.Select(p => p.CompletedAt)),
                    SqlArrays.Timestamp(upserts.Select(p => (DateTimeOffset?)p.StatusChangedAt)),
                },
            });
        }

        if (deletes.Count > 0)
        {
            trip.Add(new NpgsqlBatchCommand(Delete) { Parameters = { SqlArrays.Text(deletes) } });
        }
    }
}
