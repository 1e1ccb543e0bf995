using System.Collections.Frozen;
using System.Text;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>How a field's JSON value is read and validated (spec §2.1–§2.3).</summary>
internal enum FieldKind
{
    /// <summary>A string of 1–128 characters without control characters, kept as written (trimmed).</summary>
    Id,

    /// <summary>Free text with the same limits as <see cref="Id"/> (ledger <c>status</c>, <c>event_type</c>).</summary>
    Text,

    /// <summary>An upper-cased word of ASCII letters, digits and <c>_</c> (order <c>status</c>, <c>related_type</c>).</summary>
    Word,
    EntryType,
    Amount,
    Currency,
    Timestamp,
    Version,
}

internal sealed class FieldSpec(string name, FieldKind kind, bool core, params string[] aliases)
{
    public string Name { get; } = name;
    public byte[] NameUtf8 { get; } = Encoding.UTF8.GetBytes(name);
    public FieldKind Kind { get; } = kind;
    public bool Core { get; } = core;
    public IReadOnlyList<string> Aliases { get; } = aliases;
}

/// <summary>The field table of one stream in the spec's order, which is also the order of error reports.</summary>
internal sealed class StreamContract
{
    /// <summary>Keys longer than this (as written) never match a field: it bounds the work and the alias label length.</summary>
    public const int MaxKeyLength = 64;

    public const int MaxFields = 16;

    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private StreamContract(FieldSpec[] fields)
    {
        if (fields.Length > MaxFields)
        {
            throw new InvalidOperationException($"A stream contract holds at most {MaxFields} fields.");
        }

        Fields = fields;
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var key in fields[i].Aliases.Prepend(fields[i].Name))
            {
                var normalised = NormaliseKey(key);
                if (byKey.TryGetValue(normalised, out var existing) && existing != i)
                {
                    throw new InvalidOperationException($"Key '{key}' maps to both '{fields[existing].Name}' and '{fields[i].Name}'.");
                }

                byKey[normalised] = i;
            }
        }

        _lookup = byKey.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        EventTypeField = IndexOf("event_type");
    }

    public IReadOnlyList<FieldSpec> Fields { get; }

    public int EventTypeField { get; }

    public static StreamContract Ledger { get; } = new(
    [
        new("tx_id", FieldKind.Id, core: true, "txId", "transaction_id", "transactionId"),
        new("wallet_id", FieldKind.Id, core: true, "walletId", "account_id", "accountId"),
        new("entry_type", FieldKind.EntryType, core: true, "entryType", "direction", "side"),
        new("amount", FieldKind.Amount, core: true, "amt"),
        new("currency", FieldKind.Currency, core: false, "currency_code", "currencyCode"),
        new("related_id", FieldKind.Id, core: false, "relatedId", "order_id", "orderId", "payment_order_id", "paymentOrderId"),
        new("related_type", FieldKind.Word, core: false, "relatedType"),
        new("status", FieldKind.Text, core: false, "state"),
        new("occurred_at", FieldKind.Timestamp, core: false, "occurredAt", "created_at", "createdAt", "event_time"),
        new("updated_at", FieldKind.Timestamp, core: false, "updatedAt", "modified_at", "modifiedAt"),
        new("source_version", FieldKind.Version, core: false, "sourceVersion", "version", "seq", "sequence"),
        new("event_id", FieldKind.Id, core: false, "eventId", "message_id", "messageId"),
        new("event_type", FieldKind.Text, core: false, "eventType"),
    ]);

    // §2.2 gives created_at's aliases "as above"; the ledger table has no created_at row, so only the
    // camelCase spelling applies (ledger's occurred_at aliases would turn an event time into a creation time).
    public static StreamContract PaymentOrder { get; } = new(
    [
        new("order_id", FieldKind.Id, core: true, "orderId", "payment_order_id", "paymentOrderId"),
        new("status", FieldKind.Word, core: true, "state", "order_status", "orderStatus"),
        new("amount", FieldKind.Amount, core: false, "amt"),
        new("currency", FieldKind.Currency, core: false, "currency_code", "currencyCode"),
        new("payer_wallet_id", FieldKind.Id, core: false, "payerWalletId", "from_wallet_id", "fromWalletId"),
        new("payee_wallet_id", FieldKind.Id, core: false, "payeeWalletId", "to_wallet_id", "toWalletId"),
        new("created_at", FieldKind.Timestamp, core: false, "createdAt"),
        new("updated_at", FieldKind.Timestamp, core: false, "updatedAt", "modified_at", "modifiedAt"),
        new("source_version", FieldKind.Version, core: false, "sourceVersion", "version", "seq", "sequence"),
        new("event_id", FieldKind.Id, core: false, "eventId", "message_id", "messageId"),
        new("event_type", FieldKind.Text, core: false, "eventType"),
    ]);

    public static StreamContract For(StreamKind stream) => stream switch
    {
        StreamKind.Ledger => Ledger,
        StreamKind.PaymentOrder => PaymentOrder,
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, "Unknown stream."),
    };

    public int IndexOf(string canonicalName)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (Fields[i].Name == canonicalName)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"The contract has no field '{canonicalName}'.");
    }

    /// <summary>
    /// The field an unescaped UTF-8 key belongs to: ASCII case-insensitive after removing '_' and '-'.
    /// -1 for unknown keys, including any key with a non-ASCII character or longer than <see cref="MaxKeyLength"/>.
    /// </summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        if (key.Length > MaxKeyLength)
        {
            return -1;
        }

        Span<char> buffer = stackalloc char[MaxKeyLength];
        var length = 0;
        foreach (var b in key)
        {
            if (b is (byte)'_' or (byte)'-')
            {
                continue;
            }

            if (b >= 0x80)
            {
                return -1;
            }

            buffer[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (char)(b | 0x20) : (char)b;
        }

        return _lookup.TryGetValue(buffer[..length], out var field) ? field : -1;
    }

    /// <summary>The same rule for a key that contained JSON escapes and so was read as a string.</summary>
    public int Find(string key)
    {
        if (key.Length > MaxKeyLength)
        {
            return -1;
        }

        Span<byte> buffer = stackalloc byte[MaxKeyLength];
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] >= 0x80)
            {
                return -1;
            }

            buffer[i] = (byte)key[i];
        }

        return Find(buffer[..key.Length]);
    }

    private static string NormaliseKey(string key) =>
        key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
