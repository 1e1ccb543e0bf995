using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Backoffice.Simulator.Traffic;

/// <summary>
/// Writes canonical facts as the JSON a producer would send, in the shape and formats of an
/// <see cref="EncodingChoices"/>. One reused buffer and writer, no DOM: the benchmarks generate a
/// million messages. Not thread-safe (one encoder per generator run).
/// </summary>
public sealed class MessageEncoder : IDisposable
{
    private const string DebeziumVersion = "2.7.3.Final";
    private static readonly TimeSpan SeoulOffset = TimeSpan.FromHours(9);

    private static readonly JsonEncodedText Before = FieldNames.Name("before");
    private static readonly JsonEncodedText After = FieldNames.Name("after");
    private static readonly JsonEncodedText Source = FieldNames.Name("source");
    private static readonly JsonEncodedText Op = FieldNames.Name("op");
    private static readonly JsonEncodedText TsMs = FieldNames.Name("ts_ms");
    private static readonly JsonEncodedText Transaction = FieldNames.Name("transaction");
    private static readonly JsonEncodedText Schema = FieldNames.Name("schema");
    private static readonly JsonEncodedText Payload = FieldNames.Name("payload");
    private static readonly JsonEncodedText Channel = FieldNames.Name("channel");
    private static readonly JsonEncodedText Client = FieldNames.Name("client");
    private static readonly JsonEncodedText LedgerTxIdAlias = FieldNames.Name("txId");
    private static readonly JsonEncodedText LedgerWalletIdAlias = FieldNames.Name("walletId");
    private static readonly JsonEncodedText OrderIdAlias = FieldNames.Name("orderId");
    private static readonly JsonEncodedText PayerWalletIdAlias = FieldNames.Name("payerWalletId");

    private static readonly byte[] LedgerSchema = DebeziumSchema.Build("ledger_entries", StreamKind.Ledger);
    private static readonly byte[] OrderSchema = DebeziumSchema.Build("payment_orders", StreamKind.PaymentOrder);

    private readonly ArrayBufferWriter<byte> _buffer = new(2048);
    private readonly Utf8JsonWriter _writer;

    public MessageEncoder()
    {
        // Relaxed escaping keeps "+09:00" readable in the stored raw payload instead of "\u002B09:00".
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public byte[] Encode(LedgerFact fact, in EncodingChoices choices)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Reset();
        if (choices.Shape is MessageShape.Debezium or MessageShape.DebeziumWrapped)
        {
            WriteDebezium(choices, LedgerSchema, "ledger_entries", EventTimeOf(fact.UpdatedAt ?? fact.OccurredAt), w => WriteLedgerRow(w, fact, Cdc));
        }
        else
        {
            WriteLedgerRow(_writer, fact, choices);
        }

        return Finish();
    }

    public byte[] Encode(PaymentOrderFact fact, in EncodingChoices choices)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Reset();
        if (choices.Shape is MessageShape.Debezium or MessageShape.DebeziumWrapped)
        {
            WriteDebezium(choices, OrderSchema, "payment_orders", EventTimeOf(fact.UpdatedAt ?? fact.CreatedAt), w => WriteOrderRow(w, fact, Cdc));
        }
        else
        {
            WriteOrderRow(_writer, fact, choices);
        }

        return Finish();
    }

    /// <summary>A Debezium delete of the row (<c>op = d</c>: <c>before</c> set, <c>after</c> null), which the contract rejects.</summary>
    public byte[] EncodeDelete(LedgerFact fact, bool wrapped)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Reset();
        var choices = Cdc with { Shape = wrapped ? MessageShape.DebeziumWrapped : MessageShape.Debezium, DebeziumOp = "d" };
        WriteDebezium(choices, LedgerSchema, "ledger_entries", EventTimeOf(fact.UpdatedAt ?? fact.OccurredAt), w => WriteLedgerRow(w, fact, Cdc), deleted: true);
        return Finish();
    }

    /// <inheritdoc cref="EncodeDelete(LedgerFact, bool)"/>
    public byte[] EncodeDelete(PaymentOrderFact fact, bool wrapped)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Reset();
        var choices = Cdc with { Shape = wrapped ? MessageShape.DebeziumWrapped : MessageShape.Debezium, DebeziumOp = "d" };
        WriteDebezium(choices, OrderSchema, "payment_orders", EventTimeOf(fact.UpdatedAt ?? fact.CreatedAt), w => WriteOrderRow(w, fact, Cdc), deleted: true);
        return Finish();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>A CDC row: table column names, epoch-millisecond timestamps (io.debezium.time.Timestamp), decimals as strings.</summary>
    private static EncodingChoices Cdc { get; } = new(MessageShape.Canonical, TimestampFormat.EpochMillis, true, false, false, false, "c");

    private static long EventTimeOf(DateTimeOffset? time) => (time ?? DateTimeOffset.UnixEpoch).ToUnixTimeMilliseconds();

    private void Reset()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    private byte[] Finish()
    {
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private void WriteDebezium(in EncodingChoices choices, byte[] schema, string table, long eventMillis, Action<Utf8JsonWriter> writeRow, bool deleted = false)
    {
        var w = _writer;
        var wrapped = choices.Shape == MessageShape.DebeziumWrapped;
        if (wrapped)
        {
            w.WriteStartObject();
            w.WritePropertyName(Schema);
            w.WriteRawValue(schema, skipInputValidation: true);
            w.WritePropertyName(Payload);
        }

        w.WriteStartObject();
        w.WritePropertyName(Before);
        if (deleted)
        {
            writeRow(w);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WritePropertyName(After);
        if (deleted)
        {
            w.WriteNullValue();
        }
        else
        {
            writeRow(w);
        }

        w.WriteStartObject(Source);
        w.WriteString("version"u8, DebeziumVersion);
        w.WriteString("connector"u8, "postgresql"u8);
        w.WriteString("name"u8, "oltp"u8);
        w.WriteNumber("ts_ms"u8, eventMillis);
        w.WriteString("snapshot"u8, choices.DebeziumOp == "r" ? "true"u8 : "false"u8);
        w.WriteString("db"u8, "payments"u8);
        w.WriteString("schema"u8, "public"u8);
        w.WriteString("table"u8, table);
        w.WriteNumber("lsn"u8, eventMillis * 16);
        w.WriteEndObject();
        w.WriteString(Op, choices.DebeziumOp);
        // ts_ms is when the connector saw the change; the contract says it is not a version.
        w.WriteNumber(TsMs, eventMillis + 7);
        w.WriteNull(Transaction);
        w.WriteEndObject();
        if (wrapped)
        {
            w.WriteEndObject();
        }
    }

    private static void WriteLedgerRow(Utf8JsonWriter w, LedgerFact fact, in EncodingChoices c)
    {
        var names = FieldNames.For(StreamKind.Ledger, c.Shape);
        w.WriteStartObject();
        WriteText(w, names[FieldNames.TxId], fact.TxId, c.PaddedStrings);
        if (c.Shape == MessageShape.EqualAliases)
        {
            WriteText(w, LedgerTxIdAlias, fact.TxId, c.PaddedStrings);
        }

        WriteText(w, names[FieldNames.WalletId], fact.WalletId, c.PaddedStrings);
        if (c.Shape == MessageShape.EqualAliases)
        {
            WriteText(w, LedgerWalletIdAlias, fact.WalletId, c.PaddedStrings);
        }

        var entryType = FieldNames.UsesDirectionWords(c.Shape) ? (fact.EntryType == "PAYMENT" ? "DEBIT" : "CREDIT") : fact.EntryType;
        WriteCode(w, names[FieldNames.EntryType], entryType, c.LowerCaseCodes);
        WriteAmount(w, names[FieldNames.Amount], fact.Amount, c.AmountAsString);
        WriteOptionalCode(w, names[FieldNames.Currency], fact.Currency, c.LowerCaseCodes);
        WriteOptionalText(w, names[FieldNames.RelatedId], fact.RelatedId, c.PaddedStrings);
        WriteOptionalText(w, names[FieldNames.RelatedType], fact.RelatedType, padded: false);
        WriteOptionalText(w, names[FieldNames.LedgerStatus], fact.Status, padded: false);
        WriteOptionalTime(w, names[FieldNames.OccurredAt], fact.OccurredAt, c.Timestamps);
        WriteOptionalTime(w, names[FieldNames.LedgerUpdatedAt], fact.UpdatedAt, c.Timestamps);
        WriteOptionalVersion(w, names[FieldNames.LedgerSourceVersion], fact.SourceVersion);
        WriteOptionalText(w, names[FieldNames.LedgerEventId], fact.EventId, padded: false);
        WriteOptionalText(w, names[FieldNames.LedgerEventType], fact.EventType, padded: false);
        WriteExtraFields(w, c);
        w.WriteEndObject();
    }

    private static void WriteOrderRow(Utf8JsonWriter w, PaymentOrderFact fact, in EncodingChoices c)
    {
        var names = FieldNames.For(StreamKind.PaymentOrder, c.Shape);
        w.WriteStartObject();
        WriteText(w, names[FieldNames.OrderId], fact.OrderId, c.PaddedStrings);
        if (c.Shape == MessageShape.EqualAliases)
        {
            WriteText(w, OrderIdAlias, fact.OrderId, c.PaddedStrings);
        }

        WriteText(w, names[FieldNames.OrderStatus], fact.Status, padded: false);
        if (fact.Amount is { } amount)
        {
            WriteAmount(w, names[FieldNames.OrderAmount], amount, c.AmountAsString);
        }

        WriteOptionalCode(w, names[FieldNames.OrderCurrency], fact.Currency, c.LowerCaseCodes);
        WriteOptionalText(w, names[FieldNames.PayerWalletId], fact.PayerWalletId, c.PaddedStrings);
        if (c.Shape == MessageShape.EqualAliases && fact.PayerWalletId is not null)
        {
            WriteText(w, PayerWalletIdAlias, fact.PayerWalletId, c.PaddedStrings);
        }

        WriteOptionalText(w, names[FieldNames.PayeeWalletId], fact.PayeeWalletId, c.PaddedStrings);
        WriteOptionalTime(w, names[FieldNames.CreatedAt], fact.CreatedAt, c.Timestamps);
        WriteOptionalTime(w, names[FieldNames.OrderUpdatedAt], fact.UpdatedAt, c.Timestamps);
        WriteOptionalVersion(w, names[FieldNames.OrderSourceVersion], fact.SourceVersion);
        WriteOptionalText(w, names[FieldNames.OrderEventId], fact.EventId, padded: false);
        WriteOptionalText(w, names[FieldNames.OrderEventType], fact.EventType, padded: false);
        WriteExtraFields(w, c);
        w.WriteEndObject();
    }

    private static void WriteExtraFields(Utf8JsonWriter w, in EncodingChoices c)
    {
        if (!c.ExtraFields)
        {
            return;
        }

        // Unknown fields: the consumer keeps them in the raw payload and ignores them.
        w.WriteString(Channel, "APP"u8);
        w.WriteStartObject(Client);
        w.WriteString("name"u8, "backoffice-simulator"u8);
        w.WriteNumber("build"u8, 7);
        w.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter w, JsonEncodedText name, string value, bool padded)
    {
        if (padded)
        {
            // Strings are trimmed by the consumer (§2.3).
            w.WriteString(name, $"  {value} ");
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptionalText(Utf8JsonWriter w, JsonEncodedText name, string? value, bool padded)
    {
        if (value is not null)
        {
            WriteText(w, name, value, padded);
        }
    }

    private static void WriteCode(Utf8JsonWriter w, JsonEncodedText name, string value, bool lowerCase) =>
        w.WriteString(name, lowerCase ? value.ToLowerInvariant() : value);

    private static void WriteOptionalCode(Utf8JsonWriter w, JsonEncodedText name, string? value, bool lowerCase)
    {
        if (value is not null)
        {
            WriteCode(w, name, value, lowerCase);
        }
    }

    private static void WriteAmount(Utf8JsonWriter w, JsonEncodedText name, decimal amount, bool asString)
    {
        if (asString)
        {
            Span<char> text = stackalloc char[40];
            amount.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
            w.WriteString(name, text[..length]);
        }
        else
        {
            w.WriteNumber(name, amount);
        }
    }

    private static void WriteOptionalTime(Utf8JsonWriter w, JsonEncodedText name, DateTimeOffset? value, TimestampFormat format)
    {
        if (value is not { } time)
        {
            return;
        }

        switch (format)
        {
            case TimestampFormat.EpochMillis:
                w.WriteNumber(name, time.ToUnixTimeMilliseconds());
                break;
            case TimestampFormat.Offset:
                w.WriteString(name, time.ToOffset(SeoulOffset));
                break;
            default:
                w.WriteString(name, time.UtcDateTime);
                break;
        }
    }

    private static void WriteOptionalVersion(Utf8JsonWriter w, JsonEncodedText name, long? value)
    {
        if (value is { } version)
        {
            w.WriteNumber(name, version);
        }
    }
}
