using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>The alias tables of spec §2.1/§2.2 and the key-matching rule of §2.3.</summary>
public sealed class FieldAliasTests
{
    // Copied literally from .specs/backoffice_data_project.md §2.1 (not from the implementation's table,
    // so an alias missing there fails here).
    private static readonly (string Field, string[] Aliases)[] SpecLedgerAliases =
    [
        ("tx_id", ["txId", "transaction_id", "transactionId"]),
        ("wallet_id", ["walletId", "account_id", "accountId"]),
        ("entry_type", ["entryType", "direction", "side"]),
        ("amount", ["amt"]),
        ("currency", ["currency_code", "currencyCode"]),
        ("related_id", ["relatedId", "order_id", "orderId", "payment_order_id", "paymentOrderId"]),
        ("related_type", ["relatedType"]),
        ("status", ["state"]),
        ("occurred_at", ["occurredAt", "created_at", "createdAt", "event_time"]),
        ("updated_at", ["updatedAt", "modified_at", "modifiedAt"]),
        ("source_version", ["sourceVersion", "version", "seq", "sequence"]),
        ("event_id", ["eventId", "message_id", "messageId"]),
        ("event_type", ["eventType"]),
    ];

    // §2.2; "as above" rows take the §2.1 aliases of the same canonical name (created_at has none there
    // besides its camelCase spelling).
    private static readonly (string Field, string[] Aliases)[] SpecOrderAliases =
    [
        ("order_id", ["orderId", "payment_order_id", "paymentOrderId"]),
        ("status", ["state", "order_status", "orderStatus"]),
        ("amount", ["amt"]),
        ("currency", ["currency_code", "currencyCode"]),
        ("payer_wallet_id", ["payerWalletId", "from_wallet_id", "fromWalletId"]),
        ("payee_wallet_id", ["payeeWalletId", "to_wallet_id", "toWalletId"]),
        ("created_at", ["createdAt"]),
        ("updated_at", ["updatedAt", "modified_at", "modifiedAt"]),
        ("source_version", ["sourceVersion", "version", "seq", "sequence"]),
        ("event_id", ["eventId", "message_id", "messageId"]),
        ("event_type", ["eventType"]),
    ];

    // One valid sample per field: the raw JSON written, and what the canonical event must hold.
    private static readonly Dictionary<string, (string Json, object Expected)> Samples = new()
    {
        ["tx_id"] = ("\"tx-A\"", "tx-A"),
        ["wallet_id"] = ("\"w-A\"", "w-A"),
        ["entry_type"] = ("\"credit\"", "RECEIVE"),
        ["amount"] = ("\"12.34\"", 12.34m),
        ["currency"] = ("\"eur\"", "EUR"),
        ["related_id"] = ("\"po-9\"", "po-9"),
        ["related_type"] = ("\"refund\"", "REFUND"),
        ["status"] = ("\"settled\"", "settled"),
        ["occurred_at"] = ("\"2024-05-01T12:00:00+02:00\"", new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero)),
        ["updated_at"] = ("1714557600000", new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero)),
        ["source_version"] = ("\"7\"", 7L),
        ["event_id"] = ("\"ev-1\"", "ev-1"),
        ["event_type"] = ("\"LedgerEntryPosted\"", "LedgerEntryPosted"),
        ["order_id"] = ("\"po-A\"", "po-A"),
        ["payer_wallet_id"] = ("\"w-payer\"", "w-payer"),
        ["payee_wallet_id"] = ("\"w-payee\"", "w-payee"),
        ["created_at"] = ("\"2024-05-01T10:00:00Z\"", new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero)),
    };

    public static TheoryData<string, string> LedgerAliases() => AliasData(SpecLedgerAliases);

    public static TheoryData<string, string> OrderAliases() => AliasData(SpecOrderAliases);

    public static TheoryData<string> LedgerFields() => new(SpecLedgerAliases.Select(f => f.Field));

    public static TheoryData<string> OrderFields() => new(SpecOrderAliases.Select(f => f.Field));

    [Theory]
    [MemberData(nameof(LedgerAliases))]
    public void Every_ledger_alias_fills_its_canonical_field_and_is_reported(string field, string alias)
    {
        var result = AcceptedLedger(LedgerReplacing(field, alias, Samples[field].Json));

        Assert.Equal(Samples[field].Expected, LedgerValue(result.Event, field));
        Assert.Equal([new AliasHit(field, alias)], result.AliasHits);
    }

    [Theory]
    [MemberData(nameof(OrderAliases))]
    public void Every_payment_order_alias_fills_its_canonical_field_and_is_reported(string field, string alias)
    {
        var result = AcceptedOrder(CoreWith(StreamKind.PaymentOrder, field, (alias, OrderSample(field))));

        Assert.Equal(OrderExpected(field), OrderValue(result.Event, field));
        Assert.Equal([new AliasHit(field, alias)], result.AliasHits);
    }

    [Theory]
    [MemberData(nameof(LedgerFields))]
    public void Every_canonical_ledger_name_is_accepted_without_an_alias_hit(string field)
    {
        var result = AcceptedLedger(LedgerReplacing(field, field, Samples[field].Json));

        Assert.Equal(Samples[field].Expected, LedgerValue(result.Event, field));
        Assert.Empty(result.AliasHits);
    }

    [Theory]
    [MemberData(nameof(OrderFields))]
    public void Every_canonical_payment_order_name_is_accepted_without_an_alias_hit(string field)
    {
        var result = AcceptedOrder(CoreWith(StreamKind.PaymentOrder, field, (field, OrderSample(field))));

        Assert.Equal(OrderExpected(field), OrderValue(result.Event, field));
        Assert.Empty(result.AliasHits);
    }

    [Theory]
    [InlineData("txId")]
    [InlineData("tx_id")]
    [InlineData("TX-ID")]
    [InlineData("Tx_Id")]
    [InlineData("TXID")]
    [InlineData("txid")]
    [InlineData("tx-id")]
    [InlineData("TX_ID")]
    [InlineData("_tx_id_")]
    [InlineData("t-x_i-d")]
    [InlineData("TRANSACTION-ID")]
    [InlineData("Transaction_Id")]
    public void Keys_match_case_insensitively_after_removing_underscores_and_hyphens(string key)
    {
        var result = AcceptedLedger(LedgerReplacing("tx_id", key, "\"tx-key\""));

        Assert.Equal("tx-key", result.Event.TxId);
        Assert.Equal(key == "tx_id" ? [] : [new AliasHit("tx_id", key)], result.AliasHits);
    }

    [Theory]
    [InlineData("tx id")]
    [InlineData("tx.id")]
    [InlineData("tx/id")]
    [InlineData("txıd")] // dotless i: case-insensitivity is ASCII only
    [InlineData("ｔｘ_id")] // full-width letters
    [InlineData("tx_id2")]
    [InlineData("xtx_id")]
    [InlineData("tx__________________________________________________________________id")] // longer than 64
    public void Keys_that_only_resemble_a_field_are_unknown(string key)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("tx_id", key, "\"tx-key\""), "CORE_REQUIRED_MISSING");

        Assert.Contains("tx_id", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_written_with_json_escapes_matches_like_its_unescaped_text()
    {
        var json = "{\"tx\\u005fid\":\"tx-esc\",\"wallet\\u005Fid\":\"w\",\"\\u0065ntry_type\":\"RECEIVE\",\"AMT\":1}";

        var result = AcceptedLedger(json);

        Assert.Equal("tx-esc", result.Event.TxId);
        Assert.Equal([new AliasHit("amount", "AMT")], result.AliasHits);
    }

    [Fact]
    public void Stream_specific_aliases_do_not_leak_between_streams()
    {
        // order_id is an alias of related_id on the ledger stream, but the canonical id on payment_order.
        var ledger = AcceptedLedger(LedgerWith(("order_id", "\"po-7\"")));
        Assert.Equal("po-7", ledger.Event.RelatedId);
        Assert.Equal([new AliasHit("related_id", "order_id")], ledger.AliasHits);

        // created_at is occurred_at on the ledger stream and created_at on payment_order.
        var order = AcceptedOrder(OrderWith(("created_at", "\"2024-05-01T10:00:00Z\"")));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), order.Event.CreatedAt);
        Assert.Empty(order.AliasHits);

        // Ledger-only fields are unknown on the payment_order stream (kept in the raw payload only).
        var orderWithLedgerFields = AcceptedOrder(OrderWith(("tx_id", "\"tx-9\""), ("occurred_at", "\"garbage\"")));
        Assert.Contains("tx-9", orderWithLedgerFields.Event.RawPayload.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_aliases_in_one_event_are_all_reported_in_table_order()
    {
        var json = Obj(("amt", "5"), ("transactionId", "\"t\""), ("account_id", "\"w\""), ("side", "\"DEBIT\""), ("seq", "3"), ("state", "\"ok\""));

        var result = AcceptedLedger(json);

        Assert.Equal(
            [
                new AliasHit("tx_id", "transactionId"), new AliasHit("wallet_id", "account_id"), new AliasHit("entry_type", "side"),
                new AliasHit("amount", "amt"), new AliasHit("status", "state"), new AliasHit("source_version", "seq"),
            ],
            result.AliasHits);
    }

    [Fact]
    public void An_alias_given_with_an_equal_value_next_to_its_canonical_name_is_reported_once()
    {
        var result = AcceptedLedger(LedgerWith(("amt", "10.50"), ("amt", "\"10.5\"")));

        Assert.Equal(10.5m, result.Event.Amount);
        Assert.Equal([new AliasHit("amount", "amt")], result.AliasHits);
    }

    private static TheoryData<string, string> AliasData((string Field, string[] Aliases)[] table)
    {
        var data = new TheoryData<string, string>();
        foreach (var (field, aliases) in table)
        {
            foreach (var alias in aliases)
            {
                data.Add(field, alias);
            }
        }

        return data;
    }

    private static string OrderSample(string field) => field == "status" ? "\"settled\"" : Samples[field].Json;

    private static object OrderExpected(string field) => field == "status" ? "SETTLED" : Samples[field].Expected;

    private static object? LedgerValue(LedgerEvent e, string field) => field switch
    {
        "tx_id" => e.TxId,
        "wallet_id" => e.WalletId,
        "entry_type" => e.EntryType,
        "amount" => e.Amount,
        "currency" => e.Currency,
        "related_id" => e.RelatedId,
        "related_type" => e.RelatedType,
        "status" => e.Status,
        "occurred_at" => e.OccurredAt,
        "updated_at" => e.UpdatedAt,
        "source_version" => e.SourceVersion,
        "event_id" => e.EventId,
        "event_type" => e.EventType,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    private static object? OrderValue(PaymentOrderEvent e, string field) => field switch
    {
        "order_id" => e.OrderId,
        "status" => e.Status,
        "amount" => e.Amount,
        "currency" => e.Currency,
        "payer_wallet_id" => e.PayerWalletId,
        "payee_wallet_id" => e.PayeeWalletId,
        "created_at" => e.CreatedAt,
        "updated_at" => e.UpdatedAt,
        "source_version" => e.SourceVersion,
        "event_id" => e.EventId,
        "event_type" => e.EventType,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };
}
