using System.Text.Json;

namespace Backoffice.Simulator.Traffic;

/// <summary>The outer form of a valid message (§2: flat object or Debezium change event) and, for flat ones, its naming.</summary>
public enum MessageShape
{
    /// <summary>Flat, canonical snake_case names.</summary>
    Canonical,

    /// <summary>Flat, camelCase aliases (<c>txId</c>, <c>walletId</c>…).</summary>
    CamelCase,

    /// <summary>Flat, legacy snake_case aliases (<c>transaction_id</c>, <c>account_id</c>, <c>direction: DEBIT</c>, <c>amt</c>…).</summary>
    LegacySnake,

    /// <summary>Flat, legacy camelCase aliases (<c>transactionId</c>, <c>side: CREDIT</c>, <c>fromWalletId</c>…).</summary>
    LegacyCamel,

    /// <summary>Flat, canonical names upper-cased with dashes (<c>TX-ID</c>): names match after case folding and removing <c>_</c>/<c>-</c>.</summary>
    UpperDashed,

    /// <summary>Flat, canonical names plus an alias of some string fields carrying the identical value (allowed, §2.3).</summary>
    EqualAliases,

    /// <summary>A Debezium change event without the Kafka Connect wrapper.</summary>
    Debezium,

    /// <summary>A Debezium change event inside <c>{"schema": …, "payload": …}</c>.</summary>
    DebeziumWrapped,
}

/// <summary>How timestamps are written (§2.3 accepts all three).</summary>
public enum TimestampFormat
{
    /// <summary>RFC 3339 in UTC (<c>…Z</c>).</summary>
    Utc,

    /// <summary>RFC 3339 with a +09:00 offset (the consumer stores UTC).</summary>
    Offset,

    /// <summary>Integer epoch milliseconds.</summary>
    EpochMillis,
}

/// <summary>The encoding decisions for one message, drawn by the generator so a seed fixes the bytes.</summary>
public readonly record struct EncodingChoices(
    MessageShape Shape,
    TimestampFormat Timestamps,
    bool AmountAsString,
    bool LowerCaseCodes,
    bool PaddedStrings,
    bool ExtraFields,
    string DebeziumOp)
{
    public static EncodingChoices Canonical { get; } = new(MessageShape.Canonical, TimestampFormat.Utc, false, false, false, false, "c");

    public static EncodingChoices Draw(SimulatorRandom random, TrafficOptions options, bool firstVersion)
    {
        MessageShape shape;
        if (random.Chance(options.DebeziumShare))
        {
            shape = random.Chance(0.5) ? MessageShape.Debezium : MessageShape.DebeziumWrapped;
        }
        else if (random.Chance(options.AliasShare))
        {
            shape = (MessageShape)((int)MessageShape.CamelCase + random.Next(5));
        }
        else
        {
            shape = MessageShape.Canonical;
        }

        var timestamps = random.NextDouble() switch
        {
            < 0.7 => TimestampFormat.Utc,
            < 0.85 => TimestampFormat.Offset,
            _ => TimestampFormat.EpochMillis,
        };
        var op = firstVersion ? (random.Chance(0.2) ? "r" : "c") : "u";
        return new EncodingChoices(
            shape,
            timestamps,
            AmountAsString: random.Chance(0.4),
            LowerCaseCodes: random.Chance(0.1),
            PaddedStrings: random.Chance(0.05),
            ExtraFields: random.Chance(0.3),
            DebeziumOp: op);
    }
}

/// <summary>Field names of each flat shape, index-aligned with the canonical field order of §2.1 / §2.2.</summary>
internal static class FieldNames
{
    // Ledger: tx_id, wallet_id, entry_type, amount, currency, related_id, related_type, status,
    //         occurred_at, updated_at, source_version, event_id, event_type.
    public const int TxId = 0, WalletId = 1, EntryType = 2, Amount = 3, Currency = 4, RelatedId = 5, RelatedType = 6,
        LedgerStatus = 7, OccurredAt = 8, LedgerUpdatedAt = 9, LedgerSourceVersion = 10, LedgerEventId = 11, LedgerEventType = 12;

    // Payment order: order_id, status, amount, currency, payer_wallet_id, payee_wallet_id, created_at,
    //                updated_at, source_version, event_id, event_type.
    public const int OrderId = 0, OrderStatus = 1, OrderAmount = 2, OrderCurrency = 3, PayerWalletId = 4, PayeeWalletId = 5,
        CreatedAt = 6, OrderUpdatedAt = 7, OrderSourceVersion = 8, OrderEventId = 9, OrderEventType = 10;

    private static readonly string[] LedgerCanonical =
        ["tx_id", "wallet_id", "entry_type", "amount", "currency", "related_id", "related_type", "status", "occurred_at", "updated_at", "source_version", "event_id", "event_type"];

    private static readonly string[] OrderCanonical =
        ["order_id", "status", "amount", "currency", "payer_wallet_id", "payee_wallet_id", "created_at", "updated_at", "source_version", "event_id", "event_type"];

    private static readonly JsonEncodedText[][] Ledger =
    [
        Encode(LedgerCanonical),
        Encode(["txId", "walletId", "entryType", "amount", "currency", "relatedId", "relatedType", "status", "occurredAt", "updatedAt", "sourceVersion", "eventId", "eventType"]),
        Encode(["transaction_id", "account_id", "direction", "amt", "currency_code", "order_id", "related_type", "state", "created_at", "modified_at", "version", "message_id", "event_type"]),
        Encode(["transactionId", "accountId", "side", "amt", "currencyCode", "paymentOrderId", "relatedType", "state", "event_time", "modifiedAt", "sequence", "messageId", "eventType"]),
        Encode(LedgerCanonical.Select(UpperDashed).ToArray()),
    ];

    private static readonly JsonEncodedText[][] Order =
    [
        Encode(OrderCanonical),
        Encode(["orderId", "status", "amount", "currency", "payerWalletId", "payeeWalletId", "createdAt", "updatedAt", "sourceVersion", "eventId", "eventType"]),
        Encode(["payment_order_id", "order_status", "amt", "currency_code", "from_wallet_id", "to_wallet_id", "created_at", "modified_at", "version", "message_id", "event_type"]),
        Encode(["paymentOrderId", "orderStatus", "amt", "currencyCode", "fromWalletId", "toWalletId", "createdAt", "modifiedAt", "seq", "messageId", "eventType"]),
        Encode(OrderCanonical.Select(UpperDashed).ToArray()),
    ];

    /// <summary>The name table of a flat or Debezium shape (Debezium rows are table columns: canonical names).</summary>
    public static JsonEncodedText[] For(StreamKind stream, MessageShape shape)
    {
        var table = stream == StreamKind.Ledger ? Ledger : Order;
        return shape switch
        {
            MessageShape.CamelCase => table[1],
            MessageShape.LegacySnake => table[2],
            MessageShape.LegacyCamel => table[3],
            MessageShape.UpperDashed => table[4],
            _ => table[0],
        };
    }

    /// <summary>Whether the shape writes <c>entry_type</c> as DEBIT/CREDIT (the legacy direction vocabulary).</summary>
    public static bool UsesDirectionWords(MessageShape shape) => shape is MessageShape.LegacySnake or MessageShape.LegacyCamel;

    public static JsonEncodedText Name(string name) => JsonEncodedText.Encode(name);

    private static string UpperDashed(string name) => name.Replace('_', '-').ToUpperInvariant();

    private static JsonEncodedText[] Encode(string[] names) => names.Select(n => JsonEncodedText.Encode(n)).ToArray();
}
