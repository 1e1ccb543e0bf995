using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;
using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>How the pair row of one <c>related_id</c> changed in a recomputation (only changed rows are reported).</summary>
/// <param name="From">The previous status, <see cref="PairingStatuses.NoPair"/> when there was no row.</param>
/// <param name="To">The new status, <see cref="PairingStatuses.NoPair"/> when the row was deleted (no leg left).</param>
/// <param name="CompletedAfter"><c>completed_at − first_leg_at</c> when the pair became COMPLETE for the first time.</param>
public sealed record PairChange(string RelatedId, string From, string To, TimeSpan? CompletedAfter)
{
    public bool StatusChanged => From != To;
}

/// <summary>
/// Recomputes <c>bo.payment_ledger_pairs</c> (§4) inside the ledger write's transaction: the rules
/// of the §4 table as one set-based statement over the legs of the keys a ledger write touched.
/// The pair key is <c>related_id</c> (the table's primary key).
/// </summary>
/// <remarks>
/// The rules live here, in SQL, and nowhere else in the product: the legs and the stored rows never
/// leave the server, so a batch costs one statement instead of reading every leg and pair row of
/// its keys back to the consumer and sending the recomputed rows again (which was a third of the
/// database's work per event in a replay, docs/benchmarks.md). The tests check it against an
/// independent C# model of §4 on random leg sets.
/// </remarks>
public static class PairUpsert
{
    /// <summary>First key of the two-key advisory locks, so pair locks cannot collide with other advisory lock users.</summary>
    public const int AdvisoryLockClass = 0x424F_5031; // "BOP1"

    // Two transactions writing the two legs of one payment must not both miss the other's leg.
    // The lock is taken in a statement of its own, before the recomputation: under READ COMMITTED
    // each statement takes a new snapshot, so the statement that follows a wait sees the leg the
    // other transaction committed. Locks are taken in hash order so two batches cannot deadlock.
    private const string Lock = """
        SELECT pg_advisory_xact_lock($2, k)
        FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($1::text[]) AS id ORDER BY k) AS keys
        """;

    // JIT compiles the expressions of statements the planner thinks are expensive. On a table
    // without statistics the legs read below is estimated at hundreds of thousands of rows, and
    // compiling it costs 20-80 ms for a statement that takes one; none of the consumer's statements
    // is big enough for JIT to pay off, so it is off for the rest of the transaction.
    private const string NoJit = "SET LOCAL jit = off";

    private const string Complete = PairingStatuses.Complete;
    private const string Incomplete = PairingStatuses.Incomplete;
    private const string Unknown = PairingStatuses.Unknown;
    private const string Payment = EntryTypes.Payment;
    private const string Receive = EntryTypes.Receive;

    /// <summary>
    /// §4's aggregates of one key's legs, as a select list over rows with the ledger's leg columns,
    /// grouped by <c>related_id</c>: p, r, the single legs' ids and amounts, the number of distinct
    /// currencies (an absent one counts as a value of its own), first_leg_at.
    /// </summary>
    public static readonly string LegAggregates = $"""
        min(related_type COLLATE "C") AS related_type,
        count(*) FILTER (WHERE entry_type = '{Payment}') AS p,
        count(*) FILTER (WHERE entry_type = '{Receive}') AS r,
        count(*) AS leg_count,
        min(tx_id) FILTER (WHERE entry_type = '{Payment}') AS payment_tx_id,
        min(tx_id) FILTER (WHERE entry_type = '{Receive}') AS receive_tx_id,
        min(amount) FILTER (WHERE entry_type = '{Payment}') AS payment_amount,
        min(amount) FILTER (WHERE entry_type = '{Receive}') AS receive_amount,
        count(DISTINCT currency) + max(CASE WHEN currency IS NULL THEN 1 ELSE 0 END) AS currencies,
        min(currency) AS currency,
        min(first_ingested_at) AS first_leg_at
        """;

    /// <summary>
    /// §4's table as a select list over <see cref="LegAggregates"/>: the pair row's columns from
    /// related_type to first_leg_at, in the table's order. The baseline benchmark states the rules
    /// with the same text.
    /// </summary>
    public static readonly string PairRow = $"""
        COALESCE(related_type, '{RelatedTypes.PaymentOrder}') AS related_type,
        CASE WHEN p > 1 OR r > 1 THEN '{Unknown}'
             WHEN p + r = 1 THEN '{Incomplete}'
             WHEN currencies > 1 OR payment_amount <> receive_amount THEN '{Unknown}'
             ELSE '{Complete}' END AS pairing_status,
        CASE WHEN p > 1 OR r > 1 THEN '{PairingReasons.DuplicateLeg}'
             WHEN r = 0 THEN '{PairingReasons.WaitingForReceive}'
             WHEN p = 0 THEN '{PairingReasons.WaitingForPayment}'
             WHEN currencies > 1 THEN '{PairingReasons.CurrencyMismatch}'
             WHEN payment_amount <> receive_amount THEN '{PairingReasons.AmountMismatch}' END AS pairing_reason,
        CASE WHEN p = 1 THEN payment_tx_id END AS payment_tx_id,
        CASE WHEN r = 1 THEN receive_tx_id END AS receive_tx_id,
        CASE WHEN p = 1 THEN payment_amount END AS payment_amount,
        CASE WHEN r = 1 THEN receive_amount END AS receive_amount,
        CASE WHEN currencies = 1 THEN currency END AS currency,
        leg_count::int AS leg_count,
        first_leg_at
        """;

    // Reads: one index probe per key, whatever the tables' statistics say. The obvious
    // `WHERE related_id = ANY($1)` (or a join to unnest($1)) is planned from statistics, and a
    // table that is new and growing fast (a first load, a replay into a fresh database) has none:
    // PostgreSQL then assumes each key matches 0.5 % of the rows, and a few hundred keys "match"
    // the whole table, so it scans all of it for every batch. A LATERAL subquery with OFFSET 0
    // cannot be flattened into that join: it runs once per key with `related_id = k.id`, which
    // the index serves at any table size.
    //
    // Rules (.specs §4 and its clarifications): p PAYMENT and r RECEIVE legs; duplicates first,
    // then a lone leg, then currencies before amounts (an absent currency equals only another
    // absent one: counted as one more distinct value), amounts by value (numeric `<>`).
    // `related_type` is the smallest of the legs' types by code point (COLLATE "C"), else
    // PAYMENT_ORDER. first_leg_at and completed_at are kept once set; status_changed_at moves
    // with the status only. A row is written only when something in it changes, and the result
    // reports each change with the status before and after (for the metrics).
    private static readonly string Recompute = $"""
        WITH keys AS (
            SELECT DISTINCT id FROM unnest($1::text[]) AS k(id)
        ),
        legs AS (
            SELECT related_id,
                   {LegAggregates}
            FROM keys
            CROSS JOIN LATERAL (
                SELECT related_id, related_type, tx_id, entry_type, amount, currency, first_ingested_at
                FROM bo.ledger_entries
                WHERE related_id = keys.id
                OFFSET 0
            ) AS leg
            GROUP BY related_id
        ),
        computed AS (
            SELECT related_id,
                   {PairRow}
            FROM legs
        ),
        next AS (
            SELECT keys.id AS related_id,
                   stored.related_type AS s_related_type, stored.pairing_status AS s_pairing_status,
                   stored.pairing_reason AS s_pairing_reason, stored.payment_tx_id AS s_payment_tx_id,
                   stored.receive_tx_id AS s_receive_tx_id, stored.payment_amount AS s_payment_amount,
                   stored.receive_amount AS s_receive_amount, stored.currency AS s_currency,
                   stored.leg_count AS s_leg_count, stored.first_leg_at AS s_first_leg_at,
                   stored.completed_at AS s_completed_at, stored.status_changed_at AS s_status_changed_at,
                   computed.related_type, computed.pairing_status, computed.pairing_reason,
                   computed.payment_tx_id, computed.receive_tx_id, computed.payment_amount, computed.receive_amount,
                   computed.currency, computed.leg_count,
                   COALESCE(stored.first_leg_at, computed.first_leg_at) AS first_leg_at,
                   COALESCE(stored.completed_at, CASE WHEN computed.pairing_status = '{Complete}' THEN now() END) AS completed_at,
                   CASE WHEN stored.pairing_status IS DISTINCT FROM computed.pairing_status THEN now()
                        ELSE stored.status_changed_at END AS status_changed_at
            FROM keys
            LEFT JOIN computed ON computed.related_id = keys.id
            LEFT JOIN LATERAL (
                SELECT * FROM bo.payment_ledger_pairs WHERE related_id = keys.id OFFSET 0
            ) AS stored ON true
        ),
        changed AS (
            SELECT * FROM next
            WHERE (pairing_status IS NULL) <> (s_pairing_status IS NULL)
               OR (pairing_status IS NOT NULL AND s_pairing_status IS NOT NULL
                   AND (s_related_type, s_pairing_status, s_pairing_reason, s_payment_tx_id, s_receive_tx_id,
                        s_payment_amount, s_receive_amount, s_currency, s_leg_count, s_first_leg_at,
                        s_completed_at, s_status_changed_at)
                       IS DISTINCT FROM
                       (related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
                        payment_amount, receive_amount, currency, leg_count, first_leg_at,
                        completed_at, status_changed_at))
        ),
        written AS (
            INSERT INTO bo.payment_ledger_pairs (
                related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
                payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at)
            SELECT related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
                   payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at
            FROM changed
            WHERE pairing_status IS NOT NULL
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
        ),
        removed AS (
            DELETE FROM bo.payment_ledger_pairs
            WHERE related_id = ANY (ARRAY(SELECT related_id FROM changed WHERE pairing_status IS NULL))
        )
        SELECT related_id,
               COALESCE(s_pairing_status, '{PairingStatuses.NoPair}'),
               COALESCE(pairing_status, '{PairingStatuses.NoPair}'),
               CASE WHEN s_completed_at IS NULL AND completed_at IS NOT NULL THEN completed_at - first_leg_at END
        FROM changed
        """;

    /// <summary>
    /// Queues the pair locks of <paramref name="relatedIds"/> (held until the transaction ends) and
    /// the recomputation of their pair rows from their current legs; the result lists the rows that changed.
    /// </summary>
    public static SyncResult<IReadOnlyList<PairChange>> AddRecompute(SyncRoundTrip trip, IReadOnlyCollection<string> relatedIds)
    {
        var result = new SyncResult<IReadOnlyList<PairChange>>();
        if (relatedIds.Count == 0)
        {
            result.Set([]);
            return result;
        }

        var keys = relatedIds.ToArray();
        trip.Add(new NpgsqlBatchCommand(NoJit));
        trip.Add(new NpgsqlBatchCommand(Lock) { Parameters = { SqlArrays.Text(keys), new NpgsqlParameter<int> { TypedValue = AdvisoryLockClass } } }, read: null);
        trip.Add(new NpgsqlBatchCommand(Recompute) { Parameters = { SqlArrays.Text(keys) } }, async (reader, cancellationToken) =>
        {
            var changes = new List<PairChange>();
            while (await reader.ReadAsync(cancellationToken))
            {
                changes.Add(new PairChange(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<TimeSpan>(3)));
            }

            result.Set(changes);
        });
        return result;
    }
}
