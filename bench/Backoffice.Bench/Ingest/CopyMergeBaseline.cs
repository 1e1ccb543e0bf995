using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Npgsql;
using NpgsqlTypes;

namespace Backoffice.Bench.Ingest;

/// <summary>
/// The database's own limit for the ingest: every valid event (the canonical values the consumer
/// reads from it, its source position and raw payload) loaded with binary <c>COPY</c> into unlogged
/// staging tables, then merged into the same tables with <c>INSERT … ON CONFLICT … DO UPDATE … WHERE</c>
/// the version rule, whose SQL comes from <see cref="VersionOrder"/> (the text the consumer's upserts
/// use), keeping the newest version per key; then the pair rows recomputed in SQL by the §4 rules.
/// </summary>
public static class CopyMergeBaseline
{
    private static readonly string MergeLedger = $"""
        INSERT INTO bo.ledger_entries AS stored (
            tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status,
            occurred_at, updated_at, source_version, ingested_at, first_ingested_at, event_id,
            source_topic, source_partition, source_offset, payload)
        SELECT tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status,
               occurred_at, updated_at, source_version, now(), now(), event_id,
               source_topic, source_partition, source_offset, payload::jsonb
        FROM (
            SELECT DISTINCT ON (tx_id) *
            FROM bench_stage_ledger
            ORDER BY tx_id, {VersionOrder.Key("updated_at", "source_version", "'-infinity'::timestamptz")} DESC, seq DESC
        ) AS newest
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
        """;

    private static readonly string MergeOrders = $"""
        INSERT INTO bo.payment_orders AS stored (
            order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at,
            source_version, ingested_at, first_ingested_at, event_id,
            source_topic, source_partition, source_offset, payload)
        SELECT order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at,
               source_version, now(), now(), event_id,
               source_topic, source_partition, source_offset, payload::jsonb
        FROM (
            SELECT DISTINCT ON (order_id) *
            FROM bench_stage_orders
            ORDER BY order_id, {VersionOrder.Key("updated_at", "source_version", "'-infinity'::timestamptz")} DESC, seq DESC
        ) AS newest
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
        """;

    /// <summary>
    /// §4 as one statement over every key: the product's own rules (<see cref="PairUpsert.LegAggregates"/>,
    /// <see cref="PairUpsert.PairRow"/>) over all legs at once, grouped by a scan of the table.
    /// </summary>
    private static readonly string RecomputePairs = $"""
        INSERT INTO bo.payment_ledger_pairs AS stored (
            related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id,
            payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at)
        SELECT pairs.*, CASE WHEN pairing_status = 'COMPLETE' THEN now() END, now()
        FROM (
            SELECT related_id,
                   {PairUpsert.PairRow}
            FROM (
                SELECT related_id,
                       {PairUpsert.LegAggregates}
                FROM bo.ledger_entries
                WHERE related_id IS NOT NULL
                GROUP BY related_id
            ) AS legs
        ) AS pairs
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
            first_leg_at = LEAST(stored.first_leg_at, excluded.first_leg_at),
            completed_at = COALESCE(stored.completed_at, excluded.completed_at),
            status_changed_at = CASE WHEN stored.pairing_status = excluded.pairing_status THEN stored.status_changed_at ELSE excluded.status_changed_at END
        """;

    private const string CreateStaging = """
        DROP TABLE IF EXISTS bench_stage_ledger, bench_stage_orders;
        CREATE UNLOGGED TABLE bench_stage_ledger (
            seq bigint NOT NULL, tx_id text NOT NULL, wallet_id text NOT NULL, entry_type text NOT NULL, amount numeric NOT NULL,
            currency text, related_id text, related_type text, status text, occurred_at timestamptz, updated_at timestamptz,
            source_version bigint, event_id text, source_topic text, source_partition int, source_offset bigint, payload text NOT NULL);
        CREATE UNLOGGED TABLE bench_stage_orders (
            seq bigint NOT NULL, order_id text NOT NULL, status text NOT NULL, amount numeric, currency text,
            payer_wallet_id text, payee_wallet_id text, created_at timestamptz, updated_at timestamptz,
            source_version bigint, event_id text, source_topic text, source_partition int, source_offset bigint, payload text NOT NULL);
        """;

    /// <summary>Runs the baseline on an empty, migrated database; returns its timings and row counts.</summary>
    public static async Task<JsonObject> RunAsync(
        BenchContext context, string connectionString, IReadOnlyList<SimulatedMessage> validMessages, DeliveryLog deliveries)
    {
        var cancellationToken = context.CancellationToken;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, CreateStaging, cancellationToken);

        var total = Stopwatch.StartNew();
        var (ledgerRows, orderRows) = await CopyAsync(connection, validMessages, deliveries, cancellationToken);
        var copySeconds = total.Elapsed.TotalSeconds;
        context.Log($"baseline: COPY of {ledgerRows + orderRows:N0} events into unlogged staging in {copySeconds:0.0} s");

        var phase = Stopwatch.StartNew();
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var ledgerMerged = await ExecuteAsync(connection, MergeLedger, cancellationToken, transaction);
            var ledgerSeconds = phase.Elapsed.TotalSeconds;
            phase.Restart();
            var ordersMerged = await ExecuteAsync(connection, MergeOrders, cancellationToken, transaction);
            var ordersSeconds = phase.Elapsed.TotalSeconds;
            phase.Restart();
            var pairs = await ExecuteAsync(connection, RecomputePairs, cancellationToken, transaction);
            var pairsSeconds = phase.Elapsed.TotalSeconds;
            phase.Restart();
            await transaction.CommitAsync(cancellationToken);
            var commitSeconds = phase.Elapsed.TotalSeconds;
            total.Stop();
            var events = ledgerRows + orderRows;
            context.Log($"baseline: merged {ledgerMerged:N0} ledger rows ({ledgerSeconds:0.0} s), {ordersMerged:N0} orders ({ordersSeconds:0.0} s), "
                        + $"{pairs:N0} pairs ({pairsSeconds:0.0} s); {events / total.Elapsed.TotalSeconds:N0} events/s");
            return new JsonObject
            {
                ["events_staged"] = events,
                ["ledger_events_staged"] = ledgerRows,
                ["payment_order_events_staged"] = orderRows,
                ["seconds"] = BenchResult.Round(total.Elapsed.TotalSeconds, 2),
                ["events_per_second"] = BenchResult.Round(events / total.Elapsed.TotalSeconds, 0),
                ["phases_seconds"] = new JsonObject
                {
                    ["copy"] = BenchResult.Round(copySeconds, 2),
                    ["merge_ledger"] = BenchResult.Round(ledgerSeconds, 2),
                    ["merge_payment_orders"] = BenchResult.Round(ordersSeconds, 2),
                    ["recompute_pairs"] = BenchResult.Round(pairsSeconds, 2),
                    ["commit"] = BenchResult.Round(commitSeconds, 2),
                },
                ["rows"] = new JsonObject
                {
                    ["ledger_entries"] = ledgerMerged,
                    ["payment_orders"] = ordersMerged,
                    ["pairs"] = pairs,
                },
            };
        }
    }

    private static async Task<(long Ledger, long Orders)> CopyAsync(
        NpgsqlConnection connection, IReadOnlyList<SimulatedMessage> messages, DeliveryLog deliveries, CancellationToken cancellationToken)
    {
        long ledgerRows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY bench_stage_ledger (seq, tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status, occurred_at, updated_at, source_version, event_id, source_topic, source_partition, source_offset, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            foreach (var message in messages)
            {
                if (message.Ledger is not { } l)
                {
                    continue;
                }

                var position = deliveries.PositionOf(message.Sequence);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(message.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(l.TxId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(l.WalletId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(l.EntryType, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(l.Amount, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(writer, l.Currency, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, l.RelatedId, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, l.RelatedType ?? (l.RelatedId is null ? null : RelatedTypes.PaymentOrder), NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, l.Status, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, l.OccurredAt?.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(writer, l.UpdatedAt?.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(writer, l.SourceVersion, NpgsqlDbType.Bigint, cancellationToken);
                await WriteNullableAsync(writer, l.EventId, NpgsqlDbType.Text, cancellationToken);
                await WritePositionAsync(writer, position, cancellationToken);
                await writer.WriteAsync(Encoding.UTF8.GetString(message.Value!), NpgsqlDbType.Text, cancellationToken);
                ledgerRows++;
            }

            await writer.CompleteAsync(cancellationToken);
        }

        long orderRows = 0;
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY bench_stage_orders (seq, order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at, source_version, event_id, source_topic, source_partition, source_offset, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            foreach (var message in messages)
            {
                if (message.PaymentOrder is not { } o)
                {
                    continue;
                }

                var position = deliveries.PositionOf(message.Sequence);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(message.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(o.OrderId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(o.Status, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, o.Amount, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(writer, o.Currency, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, o.PayerWalletId, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, o.PayeeWalletId, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, o.CreatedAt?.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(writer, o.UpdatedAt?.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(writer, o.SourceVersion, NpgsqlDbType.Bigint, cancellationToken);
                await WriteNullableAsync(writer, o.EventId, NpgsqlDbType.Text, cancellationToken);
                await WritePositionAsync(writer, position, cancellationToken);
                await writer.WriteAsync(Encoding.UTF8.GetString(message.Value!), NpgsqlDbType.Text, cancellationToken);
                orderRows++;
            }

            await writer.CompleteAsync(cancellationToken);
        }

        return (ledgerRows, orderRows);
    }

    private static async Task WritePositionAsync(NpgsqlBinaryImporter writer, Backoffice.Simulator.Oracle.MessagePosition? position, CancellationToken cancellationToken)
    {
        await WriteNullableAsync(writer, position?.Topic, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, position?.Partition, NpgsqlDbType.Integer, cancellationToken);
        await WriteNullableAsync(writer, position?.Offset, NpgsqlDbType.Bigint, cancellationToken);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await writer.WriteNullAsync(cancellationToken);
        }
        else
        {
            await writer.WriteAsync(value, type, cancellationToken);
        }
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 900 };
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
