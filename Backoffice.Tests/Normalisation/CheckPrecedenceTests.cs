using System.Text;
using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>The deterministic order of checks recorded in spec §2.3: a message with several faults gets one, predictable code.</summary>
public sealed class CheckPrecedenceTests
{
    [Fact]
    public void Size_is_checked_before_anything_is_parsed()
    {
        var normalizer = new EventNormalizer(new NormalizerOptions { MaxMessageBytes = 4 });

        AssertRejected(normalizer.Normalise(Message(StreamKind.Ledger, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])), "PAYLOAD_TOO_LARGE");
        AssertRejected(normalizer.Normalise(Message(StreamKind.Ledger, "[1,2]"u8.ToArray())), "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public void A_tombstone_is_skipped_whatever_the_limits()
    {
        var normalizer = new EventNormalizer(new NormalizerOptions { MaxMessageBytes = 1 });

        Assert.IsType<NormalisationResult.Skipped>(normalizer.Normalise(Message(StreamKind.Ledger, null)));
    }

    [Fact]
    public void Invalid_utf8_is_reported_before_json_syntax()
    {
        var rejected = AssertRejected(Normalizer.Normalise(Message(StreamKind.Ledger, [(byte)'{', 0xFF, (byte)'['])), "INVALID_JSON");

        Assert.Contains("UTF-8", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_errors_come_before_anything_in_the_row()
    {
        // A delete whose before row is full of faults, and a reserved event type.
        var json = """{"op":"d","before":{"tx_id":1,"event_type":"PaymentLedgerPaired"},"after":null,"event_type":"PaymentLedgerPaired"}""";

        Rejected(StreamKind.Ledger, json, "UNSUPPORTED_OPERATION");
    }

    [Fact]
    public void A_reserved_event_type_wins_over_conflicts_missing_and_invalid_fields()
    {
        // A reserved type may follow a schema of its own: it is kept for replay, not judged by this contract.
        var json = Obj(("event_type", "\"PaymentLedgerPaired\""), ("tx_id", "\"a\""), ("txId", "\"b\""), ("amount", "-1"));

        Rejected(StreamKind.Ledger, json, "UNSUPPORTED_EVENT_TYPE");
    }

    [Fact]
    public void A_conflict_on_event_type_itself_is_an_alias_conflict()
    {
        var json = LedgerWith(("event_type", "\"LedgerEntryPosted\""), ("eventType", "\"PaymentLedgerPaired\""));

        var rejected = Rejected(StreamKind.Ledger, json, "ALIAS_CONFLICT");

        Assert.StartsWith("Field 'event_type'", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_conflicts_come_before_missing_and_invalid_fields()
    {
        var json = Obj(("amount", "1"), ("amt", "2"), ("currency", "\"EURO\""));

        Rejected(StreamKind.Ledger, json, "ALIAS_CONFLICT");
    }

    [Fact]
    public void The_first_conflict_in_table_order_is_reported()
    {
        var json = LedgerWith(("seq", "1"), ("version", "2"), ("currency", "\"EUR\""), ("currencyCode", "\"USD\""));

        var rejected = Rejected(StreamKind.Ledger, json, "ALIAS_CONFLICT");

        Assert.StartsWith("Field 'currency'", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_core_fields_come_before_invalid_fields()
    {
        var json = Obj(("tx_id", "\"t\""), ("amount", "\"ten\""), ("currency", "\"EURO\""));

        var rejected = Rejected(StreamKind.Ledger, json, "CORE_REQUIRED_MISSING");

        Assert.EndsWith(": wallet_id, entry_type.", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_invalid_field_in_table_order_is_reported()
    {
        var json = Obj(("event_id", "7"), ("updated_at", "\"soon\""), ("amount", "-1"), ("entry_type", "\"SIDEWAYS\""), ("wallet_id", "\"w\""), ("tx_id", "\"t\""));

        var rejected = Rejected(StreamKind.Ledger, json, "INVALID_FIELD");

        Assert.StartsWith("Field 'entry_type'", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_message_always_gets_the_same_result()
    {
        var json = Obj(("amount", "-1"), ("wallet_id", "5"), ("event_type", "\"x\""));
        var value = Encoding.UTF8.GetBytes(json);

        var first = Normalizer.Normalise(Message(StreamKind.Ledger, value));
        var second = new EventNormalizer(new NormalizerOptions()).Normalise(Message(StreamKind.Ledger, value));

        Assert.Equal(first, second);
    }
}
