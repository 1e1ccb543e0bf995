using System.Globalization;
using System.Text;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Normalisation;
using FsCheck;
using FsCheck.Fluent;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>
/// Properties over random input: the normaliser never throws, always returns one of the four results,
/// and whatever it accepts satisfies the canonical form.
/// </summary>
public sealed class NormaliserPropertyTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithQuietOnSuccess(true);

    // Contract keys of both streams and their spelling variants, Debezium structure keys, and near misses.
    private static readonly string[] Keys =
    [
        "tx_id", "txId", "transaction_id", "TX-ID", "wallet_id", "account_id", "entry_type", "direction", "side", "amount", "amt", "AMOUNT",
        "currency", "currency_code", "related_id", "order_id", "payment_order_id", "related_type", "status", "state", "order_status",
        "occurred_at", "created_at", "event_time", "updated_at", "modified_at", "source_version", "version", "seq", "sequence",
        "event_id", "message_id", "event_type", "eventType", "payer_wallet_id", "from_wallet_id", "payee_wallet_id", "to_wallet_id",
        "op", "after", "before", "payload", "schema", "ts_ms", "source", "tx id", "t\u0445_id", "", "\u0000", "__proto__",
        "\ud800", "op\udc00", "amount\ud83d",
    ];

    private static readonly string[] Strings =
    [
        "", " ", "\t", "PAYMENT", "debit", "RECEIVE", " credit ", "SIDEWAYS", "usd", "EURO", "CREATED", "rolled back", "PAYMENT_ORDER",
        "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456789+09:00", "2024-05-01T10:00:00", "0001-01-01T00:00:00Z", "2016-12-31T23:59:60Z",
        "1714557600000", "-1", "007", "1e5", "NaN", "Infinity", "12.5", "-0", "+1", "999999999999999999.99999999", "1000000000000000000",
        "PaymentLedgerPaired", "c", "u", "r", "d", "t", "\u0000", "\ud800", "\udc00x", "😀", "\u202E", "tx-1", new string('x', 129),
    ];

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "10.5", "0.00000001", "0.123456789", "1e400", "-1e-400", "1E3", "9223372036854775807", "9223372036854775808",
        "1714557600000", "253402300800000", "123456789012345678901234567890", "1.0", "-999999999999999999.99999999",
    ];

    private static readonly Gen<string> KeyGen = Gen.Frequency(
        (8, Gen.Elements(Keys)),
        (1, ArbMap.Default.GeneratorFor<string>().Select(s => s ?? "")));

    private static readonly Gen<string> ScalarGen = Gen.Frequency(
        (4, Gen.Elements(Strings).Select(JsonString)),
        (1, ArbMap.Default.GeneratorFor<string>().Select(s => JsonString(s ?? ""))),
        (3, Gen.Elements(Numbers)),
        (1, ArbMap.Default.GeneratorFor<long>().Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (1, ArbMap.Default.GeneratorFor<decimal>().Select(d => d.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Elements("true", "false", "null")));

    private static readonly Gen<string> ValueGen = Value(3);

    /// <summary>Objects shaped like events (contract keys, scalar values), sometimes wrapped as Debezium events.</summary>
    private static readonly Gen<string> EventGen =
        from members in Gen.ListOf(Gen.Zip(KeyGen, Gen.Frequency((6, ScalarGen), (1, ValueGen)), (k, v) => (k, v)))
        from shape in Gen.Choose(0, 5)
        from op in Gen.Elements("\"c\"", "\"u\"", "\"r\"", "\"d\"", "\"x\"", "1", "null")
        let row = ObjectText(members)
        select shape switch
        {
            0 => $$"""{"op":{{op}},"after":{{row}},"source":{},"ts_ms":1}""",
            1 => $$$"""{"schema":{},"payload":{"op":{{{op}}},"before":null,"after":{{{row}}}}}""",
            2 => $$"""{"op":{{op}},"before":{{row}}}""",
            _ => row,
        };

    private static readonly Gen<StreamKind> StreamGen = Gen.Elements(StreamKind.Ledger, StreamKind.PaymentOrder);

    [Fact]
    public void For_any_random_json_object_the_normaliser_never_throws_and_returns_a_valid_result()
    {
        var gen = from stream in StreamGen
                  from json in Gen.OneOf(ObjectGen(3), EventGen)
                  select (stream, json);

        Prop.ForAll(gen.ToArbitrary(), input => AssertValidResult(input.stream, Encoding.UTF8.GetBytes(input.json)))
            .Check(Quick.WithMaxTest(2000));
    }

    [Fact]
    public void For_any_random_json_value_the_normaliser_never_throws_and_returns_a_valid_result()
    {
        var gen = from stream in StreamGen
                  from json in ValueGen
                  select (stream, json);

        Prop.ForAll(gen.ToArbitrary(), input => AssertValidResult(input.stream, Encoding.UTF8.GetBytes(input.json)))
            .Check(Quick.WithMaxTest(1000));
    }

    [Fact]
    public void For_any_random_bytes_the_normaliser_never_throws_and_returns_a_valid_result()
    {
        var gen = from stream in StreamGen
                  from bytes in ArbMap.Default.GeneratorFor<byte[]>()
                  select (stream, bytes);

        Prop.ForAll(gen.ToArbitrary(), input => AssertValidResult(input.stream, input.bytes))
            .Check(Quick.WithMaxTest(2000));
    }

    [Fact]
    public void For_any_corruption_of_a_valid_message_the_normaliser_never_throws_and_returns_a_valid_result()
    {
        var valid = Encoding.UTF8.GetBytes(LedgerWith(("currency", "\"EUR\""), ("updated_at", "\"2024-05-01T10:00:00.5Z\""), ("seq", "4"), ("related_id", "\"po-1\"")));
        var gen = from edits in Gen.NonEmptyListOf(Gen.Zip(Gen.Choose(0, 2), Gen.Zip(Gen.Choose(0, valid.Length - 1), Gen.Choose(0, 255), (p, b) => (p, b)), (k, e) => (k, e)))
                  select Corrupt(valid, edits);

        Prop.ForAll(gen.ToArbitrary(), bytes => AssertValidResult(StreamKind.Ledger, bytes))
            .Check(Quick.WithMaxTest(2000));
    }

    private static void AssertValidResult(StreamKind stream, byte[] value)
    {
        var result = Normalizer.Normalise(Message(stream, value));
        switch (result)
        {
            case NormalisationResult.Ledger ledger:
                Assert.Equal(StreamKind.Ledger, stream);
                AssertCanonical(ledger.Event);
                AssertRawPayload(value, ledger.Event.RawPayload);
                AssertAliasHits(ledger.AliasHits);
                break;
            case NormalisationResult.PaymentOrder order:
                Assert.Equal(StreamKind.PaymentOrder, stream);
                AssertCanonical(order.Event);
                AssertRawPayload(value, order.Event.RawPayload);
                AssertAliasHits(order.AliasHits);
                break;
            case NormalisationResult.Rejected rejected:
                AssertRejected(rejected, rejected.ErrorCode);
                break;
            default:
                Assert.Fail($"Unexpected result {result} for a non-null value.");
                break;
        }
    }

    private static void AssertCanonical(LedgerEvent e)
    {
        AssertId(e.TxId);
        AssertId(e.WalletId);
        Assert.True(e.EntryType is "PAYMENT" or "RECEIVE", e.EntryType);
        AssertAmount(e.Amount);
        AssertCurrency(e.Currency);
        AssertOptionalId(e.RelatedId);
        Assert.True(e.RelatedId is null || e.RelatedType is not null, "related_type defaults when related_id is present.");
        AssertOptionalId(e.RelatedType);
        AssertOptionalId(e.Status);
        AssertTime(e.OccurredAt);
        AssertTime(e.UpdatedAt);
        Assert.True(e.SourceVersion is null or >= 0);
        AssertOptionalId(e.EventId);
        AssertOptionalId(e.EventType);
    }

    private static void AssertCanonical(PaymentOrderEvent e)
    {
        AssertId(e.OrderId);
        AssertId(e.Status);
        Assert.Matches("^[A-Z0-9_]+$", e.Status);
        if (e.Amount is { } amount)
        {
            AssertAmount(amount);
        }

        AssertCurrency(e.Currency);
        AssertOptionalId(e.PayerWalletId);
        AssertOptionalId(e.PayeeWalletId);
        AssertTime(e.CreatedAt);
        AssertTime(e.UpdatedAt);
        Assert.True(e.SourceVersion is null or >= 0);
        AssertOptionalId(e.EventId);
        AssertOptionalId(e.EventType);
    }

    private static void AssertOptionalId(string? value)
    {
        if (value is not null)
        {
            AssertId(value);
        }
    }

    private static void AssertId(string value)
    {
        Assert.NotEmpty(value);
        Assert.Equal(value.Trim(), value);
        Assert.True(value.EnumerateRunes().Count() <= 128);
        Assert.DoesNotContain(value, char.IsControl);
    }

    private static void AssertAmount(decimal amount)
    {
        Assert.True(amount >= 0);
        Assert.True(amount < 1_000_000_000_000_000_000m);
        Assert.True(amount.Scale <= 8);
    }

    private static void AssertCurrency(string? currency)
    {
        if (currency is not null)
        {
            Assert.Matches("^[A-Z]{3}$", currency);
        }
    }

    private static void AssertTime(DateTimeOffset? time)
    {
        if (time is { } t)
        {
            Assert.Equal(TimeSpan.Zero, t.Offset);
            Assert.Equal(0, t.Ticks % 10);
            Assert.True(t >= DateTimeOffset.UnixEpoch);
        }
    }

    private static void AssertRawPayload(byte[] value, RawJson rawPayload)
    {
        var json = value.AsSpan().StartsWith("\uFEFF"u8) ? value.AsSpan(3) : value;
        Assert.Equal(json.ToArray(), rawPayload.Utf8.ToArray());
    }

    private static void AssertAliasHits(IReadOnlyList<AliasHit> hits)
    {
        Assert.Equal(hits.Count, hits.Distinct().Count());
        foreach (var hit in hits)
        {
            Assert.Matches("^[A-Za-z_-]{1,64}$", hit.Alias);
            Assert.NotEqual(hit.Field, hit.Alias);
        }
    }

    private static Gen<string> Value(int depth) => depth <= 0
        ? ScalarGen
        : Gen.Frequency((6, ScalarGen), (2, ObjectGen(depth - 1)), (1, ArrayGen(depth - 1)));

    private static Gen<string> ObjectGen(int depth) =>
        Gen.ListOf(Gen.Zip(KeyGen, Value(depth), (k, v) => (k, v))).Select(ObjectText);

    private static Gen<string> ArrayGen(int depth) =>
        Gen.ListOf(Value(depth)).Select(items => "[" + string.Join(",", items) + "]");

    private static string ObjectText(IEnumerable<(string Key, string Value)> members) =>
        "{" + string.Join(",", members.Select(m => JsonString(m.Key) + ":" + m.Value)) + "}";

    /// <summary>A JSON string literal that keeps unpaired surrogates (as \u escapes) instead of replacing them.</summary>
    private static string JsonString(string value)
    {
        var builder = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (c is '"' or '\\' or < ' ' || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Applies edits: 0 = overwrite a byte, 1 = insert a byte, 2 = truncate.</summary>
    private static byte[] Corrupt(byte[] valid, IEnumerable<(int Kind, (int Position, int Byte) Edit)> edits)
    {
        var bytes = valid.ToList();
        foreach (var (kind, (position, value)) in edits)
        {
            var at = Math.Min(position, bytes.Count);
            switch (kind)
            {
                case 0 when at < bytes.Count:
                    bytes[at] = (byte)value;
                    break;
                case 1:
                    bytes.Insert(at, (byte)value);
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }
}
