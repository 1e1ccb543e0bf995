using System.Text;
using System.Text.Json;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.Tests.Normalisation;

/// <summary>Message builders and result assertions shared by the normaliser tests.</summary>
internal static class NormalisationKit
{
    public static readonly EventNormalizer Normalizer = new(new NormalizerOptions());

    /// <summary>The core fields of a valid ledger event, as (key, raw JSON value) members.</summary>
    public static readonly (string Key, string Value)[] LedgerCore =
    [
        ("tx_id", "\"tx-1\""),
        ("wallet_id", "\"w-1\""),
        ("entry_type", "\"PAYMENT\""),
        ("amount", "10.5"),
    ];

    public static readonly (string Key, string Value)[] OrderCore =
    [
        ("order_id", "\"po-1\""),
        ("status", "\"CREATED\""),
    ];

    /// <summary>A JSON object with the members in order, duplicates kept; values are raw JSON text.</summary>
    public static string Obj(params IEnumerable<(string Key, string Value)> members) =>
        "{" + string.Join(",", members.Select(m => JsonSerializer.Serialize(m.Key) + ":" + m.Value)) + "}";

    /// <summary>A JSON string literal.</summary>
    public static string Str(string value) => JsonSerializer.Serialize(value);

    public static (string Key, string Value)[] Core(StreamKind stream) => stream == StreamKind.Ledger ? LedgerCore : OrderCore;

    /// <summary>The core members without <paramref name="canonical"/>, then <paramref name="extra"/>.</summary>
    public static string CoreWith(StreamKind stream, string? without, params (string Key, string Value)[] extra) =>
        Obj(Core(stream).Where(m => m.Key != without).Concat(extra));

    public static string LedgerWith(params (string Key, string Value)[] extra) => CoreWith(StreamKind.Ledger, null, extra);

    public static string LedgerReplacing(string canonical, string key, string value) => CoreWith(StreamKind.Ledger, canonical, (key, value));

    public static string OrderWith(params (string Key, string Value)[] extra) => CoreWith(StreamKind.PaymentOrder, null, extra);

    public static InboundMessage Message(StreamKind stream, byte[]? value) =>
        new(stream, stream == StreamKind.Ledger ? "bo.ledger-entries.v1" : "bo.payment-orders.v1", 3, 42, null, value, [], DateTimeOffset.UnixEpoch);

    public static NormalisationResult Normalise(StreamKind stream, string json, EventNormalizer? normalizer = null) =>
        (normalizer ?? Normalizer).Normalise(Message(stream, Encoding.UTF8.GetBytes(json)));

    public static NormalisationResult.Ledger AcceptedLedger(string json, EventNormalizer? normalizer = null)
    {
        var result = Normalise(StreamKind.Ledger, json, normalizer);
        return Assert.IsType<NormalisationResult.Ledger>(result, exactMatch: true);
    }

    public static NormalisationResult.PaymentOrder AcceptedOrder(string json, EventNormalizer? normalizer = null)
    {
        var result = Normalise(StreamKind.PaymentOrder, json, normalizer);
        return Assert.IsType<NormalisationResult.PaymentOrder>(result, exactMatch: true);
    }

    public static NormalisationResult.Rejected Rejected(StreamKind stream, string json, string code, EventNormalizer? normalizer = null) =>
        AssertRejected(Normalise(stream, json, normalizer), code);

    public static NormalisationResult.Rejected AssertRejected(NormalisationResult result, string code)
    {
        var rejected = Assert.IsType<NormalisationResult.Rejected>(result, exactMatch: true);
        Assert.Equal(code, rejected.ErrorCode);
        Assert.Equal(StageOf(code), rejected.ErrorStage);
        AssertReadableMessage(rejected.Message);
        return rejected;
    }

    /// <summary>The stage each normaliser error code belongs to (spec §6).</summary>
    public static string StageOf(string code) => code switch
    {
        "INVALID_JSON" or "NOT_AN_OBJECT" or "PAYLOAD_TOO_LARGE" => "DESERIALIZE",
        "CORE_REQUIRED_MISSING" or "INVALID_FIELD" or "ALIAS_CONFLICT" or "UNSUPPORTED_EVENT_TYPE" or "UNSUPPORTED_OPERATION" => "VALIDATE",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not a normaliser error code."),
    };

    /// <summary>
    /// A message a human can read and the DLQ can store: short, no control characters (PostgreSQL text
    /// rejects U+0000) and no unpaired surrogates (Npgsql's UTF-8 encoder throws on them).
    /// </summary>
    public static void AssertReadableMessage(string message)
    {
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.True(message.Length <= 700, $"Message of {message.Length} characters: {message[..Math.Min(200, message.Length)]}…");
        for (var i = 0; i < message.Length; i++)
        {
            Assert.False(char.IsControl(message[i]), $"Control character U+{(int)message[i]:X4} in: {message}");
            if (char.IsHighSurrogate(message[i]) && i + 1 < message.Length && char.IsLowSurrogate(message[i + 1]))
            {
                i++;
                continue;
            }

            Assert.False(char.IsSurrogate(message[i]), $"Unpaired surrogate in: {message}");
        }
    }
}
