using System.Text;
using System.Text.Json.Nodes;

namespace Backoffice.Simulator.Traffic;

/// <summary>
/// Bad messages, each with exactly one defect so its DLQ error code (§6) is unambiguous whatever
/// order the consumer checks things in. Built from a valid canonical message of fresh ids (never an
/// id of a valid entity), then broken. A JSON DOM is fine here: these are a small share of the traffic.
/// </summary>
public static class MalformedCatalogue
{
    public const string InvalidJson = "INVALID_JSON";
    public const string NotAnObject = "NOT_AN_OBJECT";
    public const string CoreRequiredMissing = "CORE_REQUIRED_MISSING";
    public const string InvalidField = "INVALID_FIELD";
    public const string AliasConflict = "ALIAS_CONFLICT";
    public const string UnsupportedEventType = "UNSUPPORTED_EVENT_TYPE";
    public const string UnsupportedOperation = "UNSUPPORTED_OPERATION";

    /// <summary>The reserved event type of §2 (a confirmation event not consumed yet).</summary>
    public const string ReservedEventType = "PaymentLedgerPaired";

    public static IReadOnlyList<MalformedCase> Ledger { get; } =
    [
        new("truncated JSON", StreamKind.Ledger, InvalidJson, c => Truncate(c.LedgerJson(), c.Random)),
        new("single-quoted JSON", StreamKind.Ledger, InvalidJson, c => SingleQuoted(c.LedgerJson())),
        new("plain text", StreamKind.Ledger, InvalidJson, c => Encoding.UTF8.GetBytes($"tx_id={c.Ledger.TxId};amount={c.Ledger.Amount}")),
        new("JSON array around the event", StreamKind.Ledger, NotAnObject, c => [.. "["u8, .. c.LedgerJson(), .. "]"u8]),
        new("JSON string", StreamKind.Ledger, NotAnObject, c => Encoding.UTF8.GetBytes($"\"{c.Ledger.TxId}\"")),
        new("JSON number", StreamKind.Ledger, NotAnObject, _ => "42"u8.ToArray()),
        new("JSON null literal", StreamKind.Ledger, NotAnObject, _ => "null"u8.ToArray()),
        new("missing wallet_id", StreamKind.Ledger, CoreRequiredMissing, c => c.MutateLedger(o => o.Remove("wallet_id"))),
        new("missing amount", StreamKind.Ledger, CoreRequiredMissing, c => c.MutateLedger(o => o.Remove("amount"))),
        new("blank entry_type", StreamKind.Ledger, CoreRequiredMissing, c => c.MutateLedger(o => o["entry_type"] = "   ")),
        new("negative amount", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["amount"] = -c.Ledger.Amount)),
        new("amount with an exponent", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["amount"] = JsonNode.Parse("1.5E3"))),
        new("amount with nine fraction digits", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["amount"] = "0.123456789")),
        new("amount with nineteen integer digits", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["amount"] = "1234567890123456789")),
        new("amount is a boolean", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["amount"] = true)),
        new("timestamp without offset", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["occurred_at"] = "2026-01-01T09:00:00")),
        new("unknown entry_type", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["entry_type"] = "TRANSFER")),
        new("currency of four letters", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["currency"] = "KRWX")),
        new("negative source_version", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["source_version"] = -1)),
        new("tx_id longer than 128 characters", StreamKind.Ledger, InvalidField, c => c.MutateLedger(o => o["tx_id"] = c.Ledger.TxId + new string('x', 129 - c.Ledger.TxId.Length))),
        new("tx_id and txId differ", StreamKind.Ledger, AliasConflict, c => c.MutateLedger(o => o["txId"] = c.Ledger.TxId + "-other")),
        new("amount and amt differ", StreamKind.Ledger, AliasConflict, c => c.MutateLedger(o => o["amt"] = c.Ledger.Amount + 1)),
        new("entry_type PAYMENT with direction CREDIT", StreamKind.Ledger, AliasConflict, c => c.MutateLedger(o => { o["entry_type"] = "PAYMENT"; o["direction"] = "CREDIT"; })),
        new("reserved event type", StreamKind.Ledger, UnsupportedEventType, c => c.MutateLedger(o => o["event_type"] = ReservedEventType)),
        new("Debezium delete", StreamKind.Ledger, UnsupportedOperation, c => c.Encoder.EncodeDelete(c.Ledger, wrapped: false)),
        new("Debezium delete in the schema/payload wrapper", StreamKind.Ledger, UnsupportedOperation, c => c.Encoder.EncodeDelete(c.Ledger, wrapped: true)),
    ];

    public static IReadOnlyList<MalformedCase> PaymentOrder { get; } =
    [
        new("truncated JSON", StreamKind.PaymentOrder, InvalidJson, c => Truncate(c.OrderJson(), c.Random)),
        new("JSON array around the event", StreamKind.PaymentOrder, NotAnObject, c => [.. "["u8, .. c.OrderJson(), .. "]"u8]),
        new("missing status", StreamKind.PaymentOrder, CoreRequiredMissing, c => c.MutateOrder(o => o.Remove("status"))),
        new("missing order_id", StreamKind.PaymentOrder, CoreRequiredMissing, c => c.MutateOrder(o => o.Remove("order_id"))),
        new("negative amount", StreamKind.PaymentOrder, InvalidField, c => c.MutateOrder(o => o["amount"] = -(c.Order.Amount ?? 1))),
        new("updated_at without offset", StreamKind.PaymentOrder, InvalidField, c => c.MutateOrder(o => o["updated_at"] = "2026-01-01T09:00:00.123")),
        new("source_version is a word", StreamKind.PaymentOrder, InvalidField, c => c.MutateOrder(o => o["source_version"] = "three")),
        new("status and state differ", StreamKind.PaymentOrder, AliasConflict, c => c.MutateOrder(o => o["state"] = "ROLLED_BACK")),
        new("order_id and orderId differ", StreamKind.PaymentOrder, AliasConflict, c => c.MutateOrder(o => o["orderId"] = c.Order.OrderId + "-other")),
        new("reserved event type", StreamKind.PaymentOrder, UnsupportedEventType, c => c.MutateOrder(o => o["event_type"] = ReservedEventType)),
        new("Debezium delete", StreamKind.PaymentOrder, UnsupportedOperation, c => c.Encoder.EncodeDelete(c.Order, wrapped: false)),
    ];

    /// <summary>The cases of a stream grouped by error code, so a draw can pick the code first (every code equally often).</summary>
    public static IReadOnlyList<IReadOnlyList<MalformedCase>> ByErrorCode(StreamKind stream) => stream == StreamKind.Ledger ? LedgerByCode : OrderByCode;

    private static readonly IReadOnlyList<IReadOnlyList<MalformedCase>> LedgerByCode = Group(Ledger);
    private static readonly IReadOnlyList<IReadOnlyList<MalformedCase>> OrderByCode = Group(PaymentOrder);

    private static List<IReadOnlyList<MalformedCase>> Group(IReadOnlyList<MalformedCase> cases) =>
        cases.GroupBy(c => c.ErrorCode, StringComparer.Ordinal).Select(g => (IReadOnlyList<MalformedCase>)g.ToList()).ToList();

    private static byte[] Truncate(byte[] json, SimulatorRandom random) => json[..(int)random.Next(1, json.Length - 1)];

    private static byte[] SingleQuoted(byte[] json)
    {
        var copy = json.ToArray();
        copy.AsSpan().Replace((byte)'"', (byte)'\'');
        return copy;
    }
}

/// <summary>One kind of bad message: its description, stream, the DLQ error code it must produce, and how to build it.</summary>
public sealed record MalformedCase(string Description, StreamKind Stream, string ErrorCode, Func<MalformedContext, byte[]> Build);

/// <summary>What a <see cref="MalformedCase"/> builds from: a valid event of fresh ids and the run's encoder and random source.</summary>
public sealed class MalformedContext(MessageEncoder encoder, SimulatorRandom random, LedgerFact ledger, PaymentOrderFact order)
{
    public MessageEncoder Encoder { get; } = encoder;

    public SimulatorRandom Random { get; } = random;

    public LedgerFact Ledger { get; } = ledger;

    public PaymentOrderFact Order { get; } = order;

    public byte[] LedgerJson() => Encoder.Encode(Ledger, EncodingChoices.Canonical);

    public byte[] OrderJson() => Encoder.Encode(Order, EncodingChoices.Canonical);

    public byte[] MutateLedger(Action<JsonObject> mutate) => Mutate(LedgerJson(), mutate);

    public byte[] MutateOrder(Action<JsonObject> mutate) => Mutate(OrderJson(), mutate);

    private static byte[] Mutate(byte[] json, Action<JsonObject> mutate)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        mutate(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }
}
