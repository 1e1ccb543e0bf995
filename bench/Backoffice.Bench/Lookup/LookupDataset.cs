using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Backoffice.Bench.Lookup;

/// <summary>
/// The lookup data set, loaded with binary COPY: <c>n</c> settled payments, each a payment order,
/// its PAYMENT and RECEIVE legs and their COMPLETE pair row, so <c>GET /admin/tx/{tx_id}</c> does all
/// its joins. Ledger ids are <c>tx-b-1</c> … <c>tx-b-{2n}</c> (odd: PAYMENT, even: RECEIVE), so a
/// client and pgbench can draw a random existing id from one integer.
/// </summary>
public static class LookupDataset
{
    public const string TxIdPrefix = "tx-b-";

    public const string OrderIdPrefix = "po-b-";

    /// <summary>Payers and payees are drawn from this many wallets.</summary>
    public const int Wallets = 20_000;

    public static async Task<JsonObject> LoadAsync(BenchContext context, string connectionString, int ledgerEntries)
    {
        var cancellationToken = context.CancellationToken;
        var payments = ledgerEntries / 2;
        var clock = Stopwatch.StartNew();
        var random = new Random(20261125);
        var epoch = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);
        var currencies = new[] { "KRW", "USD", "EUR" };
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        var amounts = new decimal[payments + 1];
        var currencyOf = new string[payments + 1];
        var times = new DateTime[payments + 1];
        var payers = new string[payments + 1];
        var payees = new string[payments + 1];
        for (var n = 1; n <= payments; n++)
        {
            currencyOf[n] = currencies[random.Next(currencies.Length)];
            amounts[n] = currencyOf[n] == "KRW" ? random.Next(1_000, 5_000_000) : Math.Round((decimal)(random.NextDouble() * 5_000), 2);
            times[n] = epoch.AddSeconds(n * 5.0);
            payers[n] = WalletId(random.Next(1, Wallets + 1));
            payees[n] = WalletId(random.Next(1, Wallets + 1));
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY bo.payment_orders (order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at, updated_at, source_version, ingested_at, first_ingested_at, event_id, source_topic, source_partition, source_offset, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            for (var n = 1; n <= payments; n++)
            {
                var orderId = OrderId(n);
                var updated = times[n].AddSeconds(2);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(orderId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("SETTLED", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(amounts[n], NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(currencyOf[n], NpgsqlDbType.Char, cancellationToken);
                await writer.WriteAsync(payers[n], NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(payees[n], NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(times[n], NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(updated, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(3L, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(updated, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(times[n], NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync($"evt-{orderId}-3", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("bo.payment-orders.v1", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(n % 64, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync((long)n, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(
                    string.Create(CultureInfo.InvariantCulture,
                        $$"""{"order_id":"{{orderId}}","status":"SETTLED","amount":"{{amounts[n]}}","currency":"{{currencyOf[n]}}","payer_wallet_id":"{{payers[n]}}","payee_wallet_id":"{{payees[n]}}","created_at":"{{times[n]:O}}","updated_at":"{{updated:O}}","source_version":3,"event_id":"evt-{{orderId}}-3"}"""),
                    NpgsqlDbType.Jsonb, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY bo.ledger_entries (tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status, occurred_at, updated_at, source_version, ingested_at, first_ingested_at, event_id, source_topic, source_partition, source_offset, payload) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            for (var n = 1; n <= payments; n++)
            {
                for (var leg = 0; leg < 2; leg++)
                {
                    var number = (2 * n) - 1 + leg;
                    var txId = TxId(number);
                    var entryType = leg == 0 ? "PAYMENT" : "RECEIVE";
                    var wallet = leg == 0 ? payers[n] : payees[n];
                    var occurred = times[n].AddMilliseconds(300 + (leg * 400));
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(txId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(wallet, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(entryType, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(amounts[n], NpgsqlDbType.Numeric, cancellationToken);
                    await writer.WriteAsync(currencyOf[n], NpgsqlDbType.Char, cancellationToken);
                    await writer.WriteAsync(OrderId(n), NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync("PAYMENT_ORDER", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync("POSTED", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(occurred, NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync(occurred, NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync(2L, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(occurred.AddMilliseconds(40), NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync(occurred.AddMilliseconds(40), NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync($"evt-{txId}-2", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync("bo.ledger-entries.v1", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(number % 64, NpgsqlDbType.Integer, cancellationToken);
                    await writer.WriteAsync((long)number, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(
                        string.Create(CultureInfo.InvariantCulture,
                            $$"""{"tx_id":"{{txId}}","wallet_id":"{{wallet}}","entry_type":"{{entryType}}","amount":"{{amounts[n]}}","currency":"{{currencyOf[n]}}","related_id":"{{OrderId(n)}}","status":"POSTED","occurred_at":"{{occurred:O}}","updated_at":"{{occurred:O}}","source_version":2,"event_id":"evt-{{txId}}-2"}"""),
                        NpgsqlDbType.Jsonb, cancellationToken);
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY bo.payment_ledger_pairs (related_id, related_type, pairing_status, pairing_reason, payment_tx_id, receive_tx_id, payment_amount, receive_amount, currency, leg_count, first_leg_at, completed_at, status_changed_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            for (var n = 1; n <= payments; n++)
            {
                var first = times[n].AddMilliseconds(340);
                var completed = times[n].AddMilliseconds(740);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(OrderId(n), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("PAYMENT_ORDER", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync("COMPLETE", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteNullAsync(cancellationToken);
                await writer.WriteAsync(TxId((2 * n) - 1), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(TxId(2 * n), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(amounts[n], NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(amounts[n], NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(currencyOf[n], NpgsqlDbType.Char, cancellationToken);
                await writer.WriteAsync(2, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(first, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(completed, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(completed, NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        var copySeconds = clock.Elapsed.TotalSeconds;
        context.Log($"loaded {ledgerEntries:N0} ledger entries, {payments:N0} orders and pairs in {copySeconds:0.0} s");
        await BenchPostgres.SettleAsync(context, connectionString, "lookup dataset");
        return new JsonObject
        {
            ["ledger_entries"] = payments * 2,
            ["payment_orders"] = payments,
            ["pairs"] = payments,
            ["copy_seconds"] = BenchResult.Round(copySeconds, 1),
            ["database_size_mib"] = BenchResult.Round(await BenchPostgres.ScalarAsync<long>(connectionString, "SELECT pg_database_size(current_database())", cancellationToken) / 1048576.0, 0),
        };
    }

    public static string TxId(long number) => string.Create(CultureInfo.InvariantCulture, $"{TxIdPrefix}{number}");

    public static string OrderId(long payment) => string.Create(CultureInfo.InvariantCulture, $"{OrderIdPrefix}{payment}");

    /// <summary>Wallet <paramref name="number"/> of 1 … <see cref="Wallets"/> (about 50 legs each in the million-entry set).</summary>
    public static string WalletId(long number) => string.Create(CultureInfo.InvariantCulture, $"w-b-{number:00000}");
}
