using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Backoffice.Data.Dlq;
using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// The event contract end to end: a Kafka record in, a row (or a DLQ row) out, through the real
/// broker protocol and PostgreSQL. The normaliser's own tests cover every detail; these prove the wiring.
/// </summary>
public sealed class ContractEndToEndTests(ConsumerFixture fixture) : IClassFixture<ConsumerFixture>
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    public static TheoryData<string, string, string, string> Rejections() => new()
    {
        { DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize, "ledger", """{"tx_id": "x", """ },
        { DlqErrorCodes.NotAnObject, DlqErrorStages.Deserialize, "ledger", """["tx_id", "x"]""" },
        { DlqErrorCodes.CoreRequiredMissing, DlqErrorStages.Validate, "ledger", """{"tx_id": "x", "amount": "1"}""" },
        { DlqErrorCodes.InvalidField, DlqErrorStages.Validate, "ledger", """{"tx_id": "x", "wallet_id": "w", "entry_type": "PAYMENT", "amount": "-1"}""" },
        { DlqErrorCodes.AliasConflict, DlqErrorStages.Validate, "ledger", """{"tx_id": "x", "txId": "y", "wallet_id": "w", "entry_type": "PAYMENT", "amount": "1"}""" },
        { DlqErrorCodes.UnsupportedEventType, DlqErrorStages.Validate, "ledger", """{"event_type": "PaymentLedgerPaired", "tx_id": "x"}""" },
        { DlqErrorCodes.UnsupportedOperation, DlqErrorStages.Validate, "ledger", """{"op": "d", "before": {"tx_id": "x"}, "after": null}""" },
        { DlqErrorCodes.CoreRequiredMissing, DlqErrorStages.Validate, "payment_order", """{"order_id": "po-x"}""" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Every_rejection_reaches_a_DLQ_row_with_its_code_stage_and_the_raw_message(string code, string stage, string stream, string value)
    {
        byte[] binaryHeader = [0xde, 0xad, 0xbe, 0xef];
        var topic = stream == "ledger" ? fixture.Settings.LedgerTopic : fixture.Settings.OrderTopic;
        var before = fixture.Host.Counter("consumer_dlq_total", $"error_code={code},stream={stream}");
        var delivery = await fixture.Producer.SendAsync(topic, $"key-{_id}", value, [("source", "test"u8.ToArray()), ("blob", binaryHeader)]);

        var row = await DlqRowEventually(delivery);

        Assert.Equal((code, stage, stream, 1, DlqStatuses.Pending), (row.ErrorCode, row.ErrorStage, row.Stream, row.AttemptCount, row.Status));
        Assert.Equal(Encoding.UTF8.GetBytes(value), row.Payload);
        Assert.Equal(Encoding.UTF8.GetBytes(value).Length, row.PayloadSize);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(value)), row.PayloadSha256);
        Assert.Equal(Encoding.UTF8.GetBytes($"key-{_id}"), row.MessageKey);
        Assert.False(string.IsNullOrWhiteSpace(row.ErrorMessage));
        using var headers = JsonDocument.Parse(row.Headers!);
        Assert.Equal("test", headers.RootElement.GetProperty("source").GetString());
        Assert.Equal(binaryHeader, headers.RootElement.GetProperty("blob").GetProperty("base64").GetBytesFromBase64());
        await Eventually.Holds(() => Assert.Equal(before + 1, fixture.Host.Counter("consumer_dlq_total", $"error_code={code},stream={stream}")));
    }

    [Fact]
    public async Task A_value_above_one_MiB_is_PAYLOAD_TOO_LARGE_stored_truncated_with_its_size_and_hash()
    {
        var value = Encoding.UTF8.GetBytes($$"""{"tx_id": "tx-{{_id}}", "padding": "{{new string('x', DlqLimits.MaxStoredPayloadBytes)}}"}""");
        var delivery = await fixture.Producer.SendBytesAsync(fixture.Settings.LedgerTopic, null, value);

        var row = await DlqRowEventually(delivery);

        Assert.Equal((DlqErrorCodes.PayloadTooLarge, DlqErrorStages.Deserialize), (row.ErrorCode, row.ErrorStage));
        Assert.Equal(value[..DlqLimits.MaxStoredPayloadBytes], row.Payload);
        Assert.Equal(value.Length, row.PayloadSize);
        Assert.Equal(SHA256.HashData(value), row.PayloadSha256);
        Assert.Null(row.MessageKey);
    }

    [Fact]
    public async Task A_row_the_database_refuses_is_isolated_as_WRITE_REJECTED_while_its_batch_mates_commit()
    {
        // "\u0000" is valid JSON the normaliser accepts, and jsonb refuses (SQLSTATE 22P05).
        var sends = Enumerable.Range(0, 30)
            .Select(i => fixture.SendLedgerAsync($"tx-{_id}", i == 17
                ? $$"""{"tx_id": "tx-{{_id}}-{{i}}", "wallet_id": "w-1", "entry_type": "PAYMENT", "amount": "1", "note": "nul \u0000 here"}"""
                : Json.Ledger($"tx-{_id}-{i}"), partition: 0))
            .ToList();
        var deliveries = await Task.WhenAll(sends);

        var poison = await DlqRowEventually(deliveries[17]);

        Assert.Equal((DlqErrorCodes.WriteRejected, DlqErrorStages.Write), (poison.ErrorCode, poison.ErrorStage));
        Assert.Contains("22P05", poison.ErrorMessage, StringComparison.Ordinal);
        // The poison row's DLQ row commits as soon as it is isolated; the half after it commits next.
        await Eventually.Holds(async () =>
        {
            await using var db = fixture.CreateDbContext();
            var stored = await db.LedgerEntries.CountAsync(e => e.TxId.StartsWith($"tx-{_id}-"), TestContext.Current.CancellationToken);
            Assert.Equal(29, stored);
        });
        await using (var db = fixture.CreateDbContext())
        {
            Assert.False(await db.LedgerEntries.AnyAsync(e => e.TxId == $"tx-{_id}-17", TestContext.Current.CancellationToken));
        }
        // It was isolated by splitting a batch it shared with others, not written alone by chance.
        Assert.Contains(fixture.Host.Logs, line => line.Contains("splitting the batch", StringComparison.Ordinal) && line.Contains("22P05", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aliased_fields_are_stored_under_their_canonical_names_and_counted_per_alias()
    {
        var before = fixture.Host.Counter("consumer_contract_alias_total", "alias=txId,field=tx_id,stream=ledger");
        await fixture.SendLedgerAsync(null, $$"""
            {"txId": "tx-{{_id}}", "accountId": "w-9", "direction": "credit", "amt": 12.5, "currencyCode": "usd",
             "orderId": "po-{{_id}}", "updatedAt": 1795000000000, "sequence": "7", "messageId": "m-1", "unknown_field": true}
            """);
        await fixture.SendOrderAsync(null, $$"""{"orderId": "po-{{_id}}", "state": "settled", "payerWalletId": "w-1", "toWalletId": "w-9", "version": 2}""");

        var entry = await EntryEventually($"tx-{_id}");
        Assert.Equal(("w-9", "RECEIVE", 12.5m, "USD", $"po-{_id}", "PAYMENT_ORDER", 7L, "m-1"), (entry.WalletId, entry.EntryType, entry.Amount, entry.Currency, entry.RelatedId, entry.RelatedType, entry.SourceVersion ?? -1, entry.EventId));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795000000000), entry.UpdatedAt);
        Assert.Contains("unknown_field", entry.Payload, StringComparison.Ordinal);
        await Eventually.Holds(async () =>
        {
            await using var db = fixture.CreateDbContext();
            var order = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.OrderId == $"po-{_id}", TestContext.Current.CancellationToken);
            Assert.Equal(("SETTLED", "w-1", "w-9", 2L), (order.Status, order.PayerWalletId, order.PayeeWalletId, order.SourceVersion ?? -1));
        });
        await Eventually.Holds(() =>
        {
            Assert.Equal(before + 1, fixture.Host.Counter("consumer_contract_alias_total", "alias=txId,field=tx_id,stream=ledger"));
            Assert.True(fixture.Host.Counter("consumer_contract_alias_total", "alias=orderId,field=order_id,stream=payment_order") >= 1);
            Assert.True(fixture.Host.Counter("consumer_contract_alias_total", "alias=state,field=status,stream=payment_order") >= 1);
        });
    }

    [Fact]
    public async Task The_raw_payload_keeps_non_ascii_text_and_escapes_exactly_and_loses_a_byte_order_mark()
    {
        // The payload goes to PostgreSQL as the message's own UTF-8 bytes (RawJson): multi-byte
        // characters, a four-byte emoji and JSON escapes must come back as the producer meant them.
        await fixture.SendLedgerAsync(null, "\uFEFF" + $$"""{"tx_id": "tx-{{_id}}", "wallet_id": "w-1", "entry_type": "PAYMENT", "amount": 1, "memo": "결제 ✓ 😀", "escaped": "caf\u00e9 \"q\""}""");

        var entry = await EntryEventually($"tx-{_id}");

        using var stored = JsonDocument.Parse(entry.Payload);
        Assert.Equal("결제 ✓ 😀", stored.RootElement.GetProperty("memo").GetString());
        Assert.Equal("café \"q\"", stored.RootElement.GetProperty("escaped").GetString());
        Assert.Equal($"tx-{_id}", stored.RootElement.GetProperty("tx_id").GetString());
    }

    [Fact]
    public async Task Debezium_change_events_are_stored_from_their_after_row_with_or_without_the_schema_wrapper()
    {
        var wrapped = $$$$"""{"schema": {"type": "struct"}, "payload": {"op": "c", "ts_ms": 1, "before": null, "after": {"tx_id": "tx-{{{{_id}}}}-w", "wallet_id": "w-1", "entry_type": "PAYMENT", "amount": "3"}}}""";
        var bare = $$$"""{"op": "u", "ts_ms": 2, "before": null, "after": {"tx_id": "tx-{{{_id}}}-b", "wallet_id": "w-1", "entry_type": "RECEIVE", "amount": "4", "source_version": 1}}""";
        await fixture.SendLedgerAsync(null, wrapped);
        await fixture.SendLedgerAsync(null, bare);

        var fromWrapped = await EntryEventually($"tx-{_id}-w");
        var fromBare = await EntryEventually($"tx-{_id}-b");

        Assert.Equal((3m, "PAYMENT", (long?)null), (fromWrapped.Amount, fromWrapped.EntryType, fromWrapped.SourceVersion));
        Assert.Equal((4m, "RECEIVE", (long?)1), (fromBare.Amount, fromBare.EntryType, fromBare.SourceVersion));
        // The raw payload is the whole change event, envelope included.
        using var stored = JsonDocument.Parse(fromWrapped.Payload);
        Assert.Equal("c", stored.RootElement.GetProperty("payload").GetProperty("op").GetString());
    }

    [Fact]
    public async Task A_tombstone_is_skipped_and_counted()
    {
        var before = fixture.Host.Messages("ledger", "skipped");

        await fixture.SendLedgerAsync($"tx-{_id}", null);

        await Eventually.Holds(() => Assert.Equal(before + 1, fixture.Host.Messages("ledger", "skipped")));
        await using var db = fixture.CreateDbContext();
        Assert.False(await db.LedgerEntries.AnyAsync(e => e.TxId == $"tx-{_id}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Last_writer_wins_through_Kafka_with_stale_and_duplicate_counts()
    {
        var (upserted, stale, duplicate) = (fixture.Host.Messages("ledger", "upserted"), fixture.Host.Messages("ledger", "stale"), fixture.Host.Messages("ledger", "duplicate"));
        const string t1 = "2026-11-25T01:00:00.000001Z";
        const string t2 = "2026-11-25T01:00:00.000002Z";

        // Sent one at a time so each is its own batch, as across batches in production.
        await SendAndWait(Json.Ledger($"tx-{_id}-a", updatedAt: t1, status: "OLD"));
        await SendAndWait(Json.Ledger($"tx-{_id}-a", updatedAt: t2, status: "NEW"));          // newer: upserted
        await SendAndWait(Json.Ledger($"tx-{_id}-a", updatedAt: t1, status: "LATE"));         // older: stale
        await SendAndWait(Json.Ledger($"tx-{_id}-a", updatedAt: t2, status: "NEW"));          // equal: duplicate
        await SendAndWait(Json.Ledger($"tx-{_id}-b", version: 1, status: "V1"));
        await SendAndWait(Json.Ledger($"tx-{_id}-b", updatedAt: t1, version: 0, status: "U")); // updated_at beats a source_version only
        await SendAndWait(Json.Ledger($"tx-{_id}-b", status: "UNVERSIONED"));                 // unversioned never beats versioned: stale
        await SendAndWait(Json.Ledger($"tx-{_id}-c", status: "FIRST"));
        await SendAndWait(Json.Ledger($"tx-{_id}-c", status: "SECOND"));                      // neither key: arrival order

        Assert.Equal("NEW", (await EntryEventually($"tx-{_id}-a")).Status);
        Assert.Equal("U", (await EntryEventually($"tx-{_id}-b")).Status);
        Assert.Equal("SECOND", (await EntryEventually($"tx-{_id}-c")).Status);
        Assert.Equal((6L, 2L, 1L), (fixture.Host.Messages("ledger", "upserted") - upserted, fixture.Host.Messages("ledger", "stale") - stale, fixture.Host.Messages("ledger", "duplicate") - duplicate));
    }

    [Fact]
    public async Task Legs_are_paired_through_Kafka_with_every_status_and_reason()
    {
        var changes = fixture.Host.Counter("pairing_status_changes_total", "from=INCOMPLETE,to=COMPLETE");
        var legs = new (string Tx, string Type, string Amount, string Currency, string? Related)[]
        {
            ($"{_id}-c-p", "PAYMENT", "100", "KRW", $"po-{_id}-complete"),
            ($"{_id}-c-r", "RECEIVE", "100.00", "KRW", $"po-{_id}-complete"),
            ($"{_id}-wr-p", "PAYMENT", "5", "KRW", $"po-{_id}-waiting-receive"),
            ($"{_id}-wp-r", "RECEIVE", "5", "KRW", $"po-{_id}-waiting-payment"),
            ($"{_id}-d-p1", "PAYMENT", "5", "KRW", $"po-{_id}-duplicate"),
            ($"{_id}-d-p2", "PAYMENT", "5", "KRW", $"po-{_id}-duplicate"),
            ($"{_id}-d-r", "RECEIVE", "5", "KRW", $"po-{_id}-duplicate"),
            ($"{_id}-a-p", "PAYMENT", "5", "KRW", $"po-{_id}-amount"),
            ($"{_id}-a-r", "RECEIVE", "6", "KRW", $"po-{_id}-amount"),
            ($"{_id}-m-p", "PAYMENT", "5", "KRW", $"po-{_id}-currency"),
            ($"{_id}-m-r", "RECEIVE", "5", "USD", $"po-{_id}-currency"),
            ($"{_id}-none", "PAYMENT", "5", "KRW", null),
        };
        foreach (var leg in legs)
        {
            // The second leg of the complete pair arrives in a later batch.
            await SendAndWait(Json.Ledger(leg.Tx, leg.Type, leg.Amount, leg.Related, currency: leg.Currency));
        }

        await using var db = fixture.CreateDbContext();
        var pairs = await db.PaymentLedgerPairs.AsNoTracking().Where(p => p.RelatedId.StartsWith($"po-{_id}-")).ToDictionaryAsync(p => p.RelatedId, TestContext.Current.CancellationToken);
        Assert.Equal((PairingStatuses.Complete, (string?)null), Status(pairs[$"po-{_id}-complete"]));
        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForReceive), Status(pairs[$"po-{_id}-waiting-receive"]));
        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForPayment), Status(pairs[$"po-{_id}-waiting-payment"]));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.DuplicateLeg), Status(pairs[$"po-{_id}-duplicate"]));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.AmountMismatch), Status(pairs[$"po-{_id}-amount"]));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch), Status(pairs[$"po-{_id}-currency"]));
        Assert.Equal(6, pairs.Count);
        // NO_RELATED_ID is the API's answer for an entry without related_id: no pair row exists for it.
        Assert.Null((await EntryEventually($"{_id}-none")).RelatedId);
        Assert.Equal(changes + 1, fixture.Host.Counter("pairing_status_changes_total", "from=INCOMPLETE,to=COMPLETE"));
        Assert.NotNull(pairs[$"po-{_id}-complete"].CompletedAt);
    }

    private async Task SendAndWait(string value)
    {
        var before = fixture.Host.MessagesTotal();
        await fixture.SendLedgerAsync(null, value);
        await Eventually.Holds(() => Assert.True(fixture.Host.MessagesTotal() > before));
    }

    private static (string, string?) Status(PaymentLedgerPair pair) => (pair.PairingStatus, pair.PairingReason);

    private async Task<ConsumerDlqEvent> DlqRowEventually(DeliveryResult<byte[]?, byte[]?> delivery)
    {
        ConsumerDlqEvent? row = null;
        await Eventually.Holds(async () =>
        {
            await using var db = fixture.CreateDbContext();
            row = await db.ConsumerDlqEvents.AsNoTracking().SingleAsync(
                d => d.Topic == delivery.Topic && d.Partition == delivery.Partition.Value && d.Offset == delivery.Offset.Value,
                TestContext.Current.CancellationToken);
        });
        return row!;
    }

    private async Task<LedgerEntry> EntryEventually(string txId)
    {
        LedgerEntry? entry = null;
        await Eventually.Holds(async () =>
        {
            await using var db = fixture.CreateDbContext();
            entry = await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == txId, TestContext.Current.CancellationToken);
        });
        return entry!;
    }
}
