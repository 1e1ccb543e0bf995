using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Backoffice.Data.Dlq;
using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>
/// Turns one Kafka message into a canonical event or a rejection (spec §2). Pure: no I/O, no clock,
/// no shared mutable state, so one instance serves all partitions concurrently. Never throws for any
/// message value.
/// <para>Check precedence (spec §2.3, "Order of checks"):</para>
/// <list type="number">
/// <item>null value → Skipped("tombstone");</item>
/// <item>DESERIALIZE: PAYLOAD_TOO_LARGE, then INVALID_JSON (UTF-8, syntax, nesting depth), then NOT_AN_OBJECT;</item>
/// <item>Debezium envelope: ALIAS_CONFLICT on a repeated <c>op</c>/<c>after</c>/<c>payload</c>, UNSUPPORTED_OPERATION, INVALID_FIELD <c>after</c>;</item>
/// <item>event_type: ALIAS_CONFLICT on it, then UNSUPPORTED_EVENT_TYPE (whatever else the row holds);</item>
/// <item>ALIAS_CONFLICT (first field in table order), CORE_REQUIRED_MISSING (all missing, table order),
/// INVALID_FIELD (first invalid field in table order).</item>
/// </list>
/// </summary>
public sealed class EventNormalizer
{
    private static readonly NormalisationResult.Skipped Tombstone = new("tombstone");

    private readonly int _maxMessageBytes;
    private readonly int _maxDepth;
    private readonly JsonDocumentOptions _documentOptions;
    private readonly FrozenSet<string> _reservedEventTypes;

    public EventNormalizer(NormalizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 1, nameof(options.MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDepth, 1, nameof(options.MaxDepth));
        ArgumentNullException.ThrowIfNull(options.ReservedEventTypes, nameof(options.ReservedEventTypes));
        _maxMessageBytes = options.MaxMessageBytes;
        _maxDepth = options.MaxDepth;
        _documentOptions = new JsonDocumentOptions
        {
            MaxDepth = options.MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        };
        _reservedEventTypes = options.ReservedEventTypes
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Select(t => t.Trim())
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    public NormalisationResult Normalise(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Value is null)
        {
            return Tombstone;
        }

        if (message.Value.Length > _maxMessageBytes)
        {
            return Reject(DlqErrorCodes.PayloadTooLarge, DlqErrorStages.Deserialize,
                $"Message value is {message.Value.Length} bytes; the limit is {_maxMessageBytes} bytes.");
        }

        ReadOnlyMemory<byte> json = message.Value;
        if (json.Span.StartsWith("\uFEFF"u8))
        {
            // RFC 8259 lets a parser ignore a byte order mark; jsonb would not accept it in the raw payload.
            json = json[3..];
        }

        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Reject(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize, message.Value.Length == 0
                ? "Message value is empty (0 bytes); expected a JSON object."
                : $"Message value is empty ({message.Value.Length} bytes of white space or byte order mark); expected a JSON object.");
        }

        if (!Utf8.IsValid(json.Span))
        {
            return InvalidUtf8(json.Span);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, _documentOptions);
        }
        catch (JsonException exception)
        {
            return InvalidJson(json.Span, exception);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Reject(DlqErrorCodes.NotAnObject, DlqErrorStages.Deserialize,
                    $"Message value is {DescribeRoot(root)}; expected a JSON object.");
            }

            if (!DebeziumEnvelope.TryFindRow(root, out var row, out var rejection))
            {
                return rejection;
            }

            return NormaliseRow(StreamContract.For(message.Stream), message.Stream, row, json);
        }
    }

    private NormalisationResult NormaliseRow(StreamContract contract, StreamKind stream, JsonElement row, ReadOnlyMemory<byte> json)
    {
        var fields = contract.Fields;
        var states = new FieldStates();
        List<(int Field, JsonProperty Property)>? repeats = null;
        foreach (var property in row.EnumerateObject())
        {
            var field = Find(contract, property);
            if (field < 0)
            {
                continue;
            }

            if (states[field].Seen)
            {
                (repeats ??= []).Add((field, property));
            }
            else
            {
                states[field].First = property;
                states[field].Seen = true;
            }
        }

        for (var f = 0; f < fields.Count; f++)
        {
            ref var state = ref states[f];
            if (!state.Seen)
            {
                continue;
            }

            var kind = fields[f].Kind;
            Consider(ref state, kind, state.First);
            if (repeats is not null)
            {
                foreach (var (field, property) in repeats)
                {
                    if (field == f)
                    {
                        Consider(ref state, kind, property);
                    }
                }
            }
        }

        var eventType = contract.EventTypeField;
        if (states[eventType].Conflict)
        {
            return AliasConflict(fields[eventType], states[eventType]);
        }

        if (states[eventType].Value is { State: ValueState.Valid, Text: { } type } && _reservedEventTypes.Contains(type))
        {
            return Reject(DlqErrorCodes.UnsupportedEventType, DlqErrorStages.Validate,
                $"Event type {Excerpt.Quote(type)} is reserved and not consumed yet; the message is kept for replay once it is supported.");
        }

        for (var f = 0; f < fields.Count; f++)
        {
            if (states[f].Conflict)
            {
                return AliasConflict(fields[f], states[f]);
            }
        }

        StringBuilder? missing = null;
        for (var f = 0; f < fields.Count; f++)
        {
            if (fields[f].Core && states[f].Value.State == ValueState.Absent)
            {
                missing = missing is null ? new StringBuilder(fields[f].Name) : missing.Append(", ").Append(fields[f].Name);
            }
        }

        if (missing is not null)
        {
            return Reject(DlqErrorCodes.CoreRequiredMissing, DlqErrorStages.Validate,
                $"Missing required field(s) of a {(stream == StreamKind.Ledger ? "ledger" : "payment_order")} event: {missing}.");
        }

        for (var f = 0; f < fields.Count; f++)
        {
            if (states[f].Value.State == ValueState.Invalid)
            {
                return Reject(DlqErrorCodes.InvalidField, DlqErrorStages.Validate,
                    $"Field '{fields[f].Name}'{KeyNote(fields[f], states[f].ValueProperty)}: {states[f].Value.Problem}.");
            }
        }

        IReadOnlyList<AliasHit> aliasHits = CollectAliasHits(fields, ref states, repeats) ?? [];
        // The message's own bytes (it lives until its batch is written): nothing is copied or decoded.
        var rawPayload = new RawJson(json);
        return stream == StreamKind.Ledger
            ? BuildLedger(ref states, aliasHits, rawPayload)
            : BuildPaymentOrder(ref states, aliasHits, rawPayload);
    }

    private static NormalisationResult.Ledger BuildLedger(ref FieldStates v, IReadOnlyList<AliasHit> aliasHits, RawJson rawPayload)
    {
        var relatedId = v[LedgerField.RelatedId].Value.Text;
        var relatedType = v[LedgerField.RelatedType].Value.Text ?? (relatedId is null ? null : RelatedTypes.PaymentOrder);
        var ledgerEvent = new LedgerEvent(
            TxId: v[LedgerField.TxId].Value.Text!,
            WalletId: v[LedgerField.WalletId].Value.Text!,
            EntryType: v[LedgerField.EntryType].Value.Text!,
            Amount: v[LedgerField.Amount].Value.Number,
            Currency: v[LedgerField.Currency].Value.Text,
            RelatedId: relatedId,
            RelatedType: relatedType,
            Status: v[LedgerField.Status].Value.Text,
            OccurredAt: TimeOrNull(v[LedgerField.OccurredAt].Value),
            UpdatedAt: TimeOrNull(v[LedgerField.UpdatedAt].Value),
            SourceVersion: IntegerOrNull(v[LedgerField.SourceVersion].Value),
            EventId: v[LedgerField.EventId].Value.Text,
            EventType: v[LedgerField.EventType].Value.Text,
            RawPayload: rawPayload);
        return new NormalisationResult.Ledger(ledgerEvent, aliasHits);
    }

    private static NormalisationResult.PaymentOrder BuildPaymentOrder(ref FieldStates v, IReadOnlyList<AliasHit> aliasHits, RawJson rawPayload)
    {
        var orderEvent = new PaymentOrderEvent(
            OrderId: v[OrderField.OrderId].Value.Text!,
            Status: v[OrderField.Status].Value.Text!,
            Amount: v[OrderField.Amount].Value.State == ValueState.Valid ? v[OrderField.Amount].Value.Number : null,
            Currency: v[OrderField.Currency].Value.Text,
            PayerWalletId: v[OrderField.PayerWalletId].Value.Text,
            PayeeWalletId: v[OrderField.PayeeWalletId].Value.Text,
            CreatedAt: TimeOrNull(v[OrderField.CreatedAt].Value),
            UpdatedAt: TimeOrNull(v[OrderField.UpdatedAt].Value),
            SourceVersion: IntegerOrNull(v[OrderField.SourceVersion].Value),
            EventId: v[OrderField.EventId].Value.Text,
            EventType: v[OrderField.EventType].Value.Text,
            RawPayload: rawPayload);
        return new NormalisationResult.PaymentOrder(orderEvent, aliasHits);
    }

    /// <summary>Folds one occurrence of a field into its state: the first non-absent value wins, a different one is a conflict.</summary>
    private static void Consider(ref FieldState state, FieldKind kind, JsonProperty property)
    {
        var value = FieldReader.Read(kind, property.Value);
        if (value.State == ValueState.Absent)
        {
            return;
        }

        if (state.Value.State == ValueState.Absent)
        {
            state.Value = value;
            state.ValueProperty = property;
            return;
        }

        if (state.Conflict)
        {
            return;
        }

        // Valid values compare normalised; two invalid values compare by their JSON text; valid vs invalid always differ.
        var same = (state.Value.State, value.State) switch
        {
            (ValueState.Valid, ValueState.Valid) => state.Value.SameValue(value),
            (ValueState.Invalid, ValueState.Invalid) =>
                JsonMarshal.GetRawUtf8Value(state.ValueProperty.Value).SequenceEqual(JsonMarshal.GetRawUtf8Value(property.Value)),
            _ => false,
        };
        if (!same)
        {
            state.Conflict = true;
            state.ConflictProperty = property;
        }
    }

    private static int Find(StreamContract contract, JsonProperty property)
    {
        var name = JsonMarshal.GetRawUtf8PropertyName(property);
        if (name.Length > StreamContract.MaxKeyLength)
        {
            return -1;
        }

        if (!name.Contains((byte)'\\'))
        {
            return contract.Find(name);
        }

        try
        {
            return contract.Find(property.Name);
        }
        catch (InvalidOperationException)
        {
            // An escaped unpaired surrogate: not a contract key. The raw payload keeps it.
            return -1;
        }
    }

    private static List<AliasHit>? CollectAliasHits(IReadOnlyList<FieldSpec> fields, ref FieldStates states, List<(int Field, JsonProperty Property)>? repeats)
    {
        List<AliasHit>? hits = null;
        for (var f = 0; f < fields.Count; f++)
        {
            if (states[f].Seen)
            {
                AddAliasHit(ref hits, fields[f], states[f].First);
            }

            if (repeats is not null)
            {
                foreach (var (field, property) in repeats)
                {
                    if (field == f)
                    {
                        AddAliasHit(ref hits, fields[f], property);
                    }
                }
            }
        }

        return hits;
    }

    private static void AddAliasHit(ref List<AliasHit>? hits, FieldSpec field, JsonProperty property)
    {
        if (JsonText.NameIs(property, field.NameUtf8))
        {
            return;
        }

        // A matched key holds only ASCII letters, '_' and '-' (see StreamContract.Find), so it is safe as a metric label.
        var hit = new AliasHit(field.Name, property.Name);
        hits ??= [];
        if (!hits.Contains(hit))
        {
            hits.Add(hit);
        }
    }

    private static NormalisationResult.Rejected AliasConflict(FieldSpec field, in FieldState state)
    {
        var first = state.ValueProperty;
        var second = state.ConflictProperty;
        return Reject(DlqErrorCodes.AliasConflict, DlqErrorStages.Validate,
            $"Field '{field.Name}' is given twice with different values: '{first.Name}' = {Excerpt.Raw(first.Value)} and '{second.Name}' = {Excerpt.Raw(second.Value)}.");
    }

    private static string KeyNote(FieldSpec field, JsonProperty property) =>
        JsonText.NameIs(property, field.NameUtf8) ? "" : $" (key '{property.Name}')";

    private NormalisationResult.Rejected InvalidJson(ReadOnlySpan<byte> json, JsonException exception)
    {
        var line = exception.LineNumber ?? 0;
        var offset = ByteOffset(json, line, exception.BytePositionInLine ?? 0);
        if (MaxDepthUpTo(json, offset) > _maxDepth)
        {
            return Reject(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize,
                $"Message value is not acceptable JSON: objects and arrays are nested deeper than {_maxDepth} levels (byte offset {offset}).");
        }

        // The parser's own position suffix is 0-based and per line; the byte offset is what matches the stored raw value.
        var reason = exception.Message;
        var suffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            reason = reason[..suffix];
        }

        return Reject(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize,
            $"Message value is not valid JSON at byte offset {offset} (line {line + 1}): {Excerpt.Clip(reason, maxChars: 250)}");
    }

    private static NormalisationResult.Rejected InvalidUtf8(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        var status = OperationStatus.Done;
        while (offset < json.Length)
        {
            status = Rune.DecodeFromUtf8(json[offset..], out _, out var consumed);
            if (status != OperationStatus.Done)
            {
                break;
            }

            offset += consumed;
        }

        var what = status == OperationStatus.NeedMoreData ? "a truncated multi-byte sequence" : $"the invalid byte 0x{json[offset]:X2}";
        return Reject(DlqErrorCodes.InvalidJson, DlqErrorStages.Deserialize,
            $"Message value is not valid UTF-8: {what} at byte offset {offset}.");
    }

    /// <summary>The absolute byte offset of the parser's (line, byte in line); the reader counts lines by '\n'.</summary>
    private static long ByteOffset(ReadOnlySpan<byte> json, long line, long byteInLine)
    {
        var start = 0;
        for (long l = 0; l < line; l++)
        {
            var next = json[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            start += next + 1;
        }

        return Math.Min(start + byteInLine, json.Length);
    }

    /// <summary>The deepest object/array nesting reached up to and including <paramref name="offset"/>.</summary>
    private static int MaxDepthUpTo(ReadOnlySpan<byte> json, long offset)
    {
        var end = (int)Math.Min(offset + 1, json.Length);
        int depth = 0, max = 0;
        var inString = false;
        for (var i = 0; i < end; i++)
        {
            var b = json[i];
            if (inString)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    inString = false;
                }
            }
            else if (b == '"')
            {
                inString = true;
            }
            else if (b is (byte)'{' or (byte)'[')
            {
                max = Math.Max(max, ++depth);
            }
            else if (b is (byte)'}' or (byte)']')
            {
                depth--;
            }
        }

        return max;
    }

    private static string DescribeRoot(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a JSON string",
        JsonValueKind.Number => "a JSON number",
        JsonValueKind.True => "the JSON literal true",
        JsonValueKind.False => "the JSON literal false",
        _ => "the JSON literal null",
    };

    private static DateTimeOffset? TimeOrNull(in FieldValue value) => value.State == ValueState.Valid ? value.Time : null;

    private static long? IntegerOrNull(in FieldValue value) => value.State == ValueState.Valid ? value.Integer : null;

    private static NormalisationResult.Rejected Reject(string code, string stage, string message) => new(code, stage, message);

    private struct FieldState
    {
        public bool Seen;
        public JsonProperty First;
        public FieldValue Value;
        public JsonProperty ValueProperty;
        public bool Conflict;
        public JsonProperty ConflictProperty;
    }

    [InlineArray(StreamContract.MaxFields)]
    private struct FieldStates
    {
        private FieldState _element;
    }

    private static class LedgerField
    {
        public static readonly int TxId = IndexOf("tx_id");
        public static readonly int WalletId = IndexOf("wallet_id");
        public static readonly int EntryType = IndexOf("entry_type");
        public static readonly int Amount = IndexOf("amount");
        public static readonly int Currency = IndexOf("currency");
        public static readonly int RelatedId = IndexOf("related_id");
        public static readonly int RelatedType = IndexOf("related_type");
        public static readonly int Status = IndexOf("status");
        public static readonly int OccurredAt = IndexOf("occurred_at");
        public static readonly int UpdatedAt = IndexOf("updated_at");
        public static readonly int SourceVersion = IndexOf("source_version");
        public static readonly int EventId = IndexOf("event_id");
        public static readonly int EventType = IndexOf("event_type");

        private static int IndexOf(string name) => StreamContract.Ledger.IndexOf(name);
    }

    private static class OrderField
    {
        public static readonly int OrderId = IndexOf("order_id");
        public static readonly int Status = IndexOf("status");
        public static readonly int Amount = IndexOf("amount");
        public static readonly int Currency = IndexOf("currency");
        public static readonly int PayerWalletId = IndexOf("payer_wallet_id");
        public static readonly int PayeeWalletId = IndexOf("payee_wallet_id");
        public static readonly int CreatedAt = IndexOf("created_at");
        public static readonly int UpdatedAt = IndexOf("updated_at");
        public static readonly int SourceVersion = IndexOf("source_version");
        public static readonly int EventId = IndexOf("event_id");
        public static readonly int EventType = IndexOf("event_type");

        private static int IndexOf(string name) => StreamContract.PaymentOrder.IndexOf(name);
    }
}
