using System.Globalization;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>Value rules of §2.1–§2.3 (and the decisions recorded in §2.3 of the spec copy).</summary>
public sealed class FieldValueTests
{
    [Theory]
    [InlineData("PAYMENT", "PAYMENT")]
    [InlineData("payment", "PAYMENT")]
    [InlineData("Payment", "PAYMENT")]
    [InlineData("  payment\t", "PAYMENT")]
    [InlineData("DEBIT", "PAYMENT")]
    [InlineData("debit", "PAYMENT")]
    [InlineData("Debit", "PAYMENT")]
    [InlineData("RECEIVE", "RECEIVE")]
    [InlineData("receive", "RECEIVE")]
    [InlineData("ReCeIvE", "RECEIVE")]
    [InlineData("CREDIT", "RECEIVE")]
    [InlineData("credit", "RECEIVE")]
    [InlineData(" Credit ", "RECEIVE")]
    public void Entry_type_accepts_payment_receive_debit_credit_in_any_case(string written, string expected)
    {
        Assert.Equal(expected, AcceptedLedger(LedgerReplacing("entry_type", "entry_type", Str(written))).Event.EntryType);
    }

    [Theory]
    [InlineData("\"PAY\"")]
    [InlineData("\"REFUND\"")]
    [InlineData("\"debit card\"")]
    [InlineData("\"PAYMENTS\"")]
    [InlineData("\"DÉBIT\"")]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("{\"v\":\"PAYMENT\"}")]
    [InlineData("[\"PAYMENT\"]")]
    public void Any_other_entry_type_is_an_invalid_field(string json)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("entry_type", "direction", json), "INVALID_FIELD");

        Assert.StartsWith("Field 'entry_type' (key 'direction'): expected PAYMENT or RECEIVE", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10", "10")]
    [InlineData("10.5", "10.5")]
    [InlineData("\"10.5\"", "10.5")]
    [InlineData("\" 10.50 \"", "10.5")]
    [InlineData("0", "0")]
    [InlineData("\"0\"", "0")]
    [InlineData("-0", "0")]
    [InlineData("\"-0.00\"", "0")]
    [InlineData("0.00000001", "0.00000001")]
    [InlineData("999999999999999999.99999999", "999999999999999999.99999999")] // 18 + 8 digits
    [InlineData("\"999999999999999999.99999999\"", "999999999999999999.99999999")]
    [InlineData("123456789012345678.12345678", "123456789012345678.12345678")] // not representable as a double
    [InlineData("1.100000000", "1.1")] // trailing zeros do not count as fraction digits
    [InlineData("\"0000000000000000000001.5\"", "1.5")] // nor do leading zeros of a string
    [InlineData("0.30000000", "0.3")]
    public void Amounts_are_parsed_exactly(string json, string expected)
    {
        var amount = AcceptedLedger(LedgerReplacing("amount", "amount", json)).Event.Amount;

        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), amount);
    }

    [Theory]
    [InlineData("1000000000000000000", "19 integer digits")]
    [InlineData("\"1000000000000000000.5\"", "19 integer digits")]
    [InlineData("0.123456789", "9 fraction digits")]
    [InlineData("\"1.000000001\"", "9 fraction digits")]
    [InlineData("1e3", "exponent notation")]
    [InlineData("1E3", "exponent notation")]
    [InlineData("\"1E3\"", "exponent notation")]
    [InlineData("1.5e-3", "exponent notation")]
    [InlineData("1e400", "exponent notation")]
    [InlineData("123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890", "integer digits")]
    [InlineData("\"NaN\"", "\"NaN\"")]
    [InlineData("\"Infinity\"", "\"Infinity\"")]
    [InlineData("\"-Infinity\"", "\"-Infinity\"")]
    [InlineData("\"+5\"", "\"+5\"")]
    [InlineData("\".5\"", "\".5\"")]
    [InlineData("\"5.\"", "\"5.\"")]
    [InlineData("\"1,000\"", "\"1,000\"")]
    [InlineData("\"1 000\"", "\"1 000\"")]
    [InlineData("\"0x10\"", "\"0x10\"")]
    [InlineData("\"١٢\"", "\"١٢\"")]
    [InlineData("\"10 EUR\"", "\"10 EUR\"")]
    [InlineData("true", "the boolean true")]
    [InlineData("{}", "an object")]
    [InlineData("[10]", "an array")]
    public void Other_amounts_are_an_invalid_field(string json, string found)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("amount", "amount", json), "INVALID_FIELD");

        Assert.StartsWith("Field 'amount': expected a decimal ≥ 0", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(found, rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("\"-0.01\"")]
    [InlineData("-999999999999999999")]
    public void A_negative_amount_is_invalid_because_direction_comes_from_entry_type(string json)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("amount", "amount", json), "INVALID_FIELD");

        Assert.Contains("never negative, the direction comes from entry_type", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"2024-05-01T10:00:00Z\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01T10:00:00z\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01t10:00:00Z\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01 10:00:00Z\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\" 2024-05-01T10:00:00Z \"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01T19:00:00+09:00\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01T04:30:00-05:30\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01T10:00:00-00:00\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"2024-05-01T00:30:00-23:59\"", "2024-05-02T00:29:00.0000000Z")]
    [InlineData("\"2024-05-01T10:00:00.5Z\"", "2024-05-01T10:00:00.5000000Z")]
    [InlineData("\"2024-05-01T10:00:00.123456Z\"", "2024-05-01T10:00:00.1234560Z")]
    [InlineData("\"2024-05-01T10:00:00.1234567Z\"", "2024-05-01T10:00:00.1234560Z")] // truncated, not rounded
    [InlineData("\"2024-05-01T10:00:00.999999999Z\"", "2024-05-01T10:00:00.9999990Z")]
    [InlineData("\"2024-02-29T10:00:00Z\"", "2024-02-29T10:00:00.0000000Z")]
    [InlineData("\"1970-01-01T00:00:00Z\"", "1970-01-01T00:00:00.0000000Z")]
    [InlineData("\"1970-01-01T01:00:00+01:00\"", "1970-01-01T00:00:00.0000000Z")]
    [InlineData("\"9999-12-31T23:59:59.999999Z\"", "9999-12-31T23:59:59.9999990Z")]
    [InlineData("1714557600000", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\"1714557600000\"", "2024-05-01T10:00:00.0000000Z")]
    [InlineData("\" 1714557600123 \"", "2024-05-01T10:00:00.1230000Z")]
    [InlineData("0", "1970-01-01T00:00:00.0000000Z")]
    [InlineData("-0", "1970-01-01T00:00:00.0000000Z")]
    [InlineData("253402300799999", "9999-12-31T23:59:59.9990000Z")]
    public void Timestamps_are_converted_to_utc_and_truncated_to_microseconds(string json, string expectedUtc)
    {
        var updatedAt = AcceptedLedger(LedgerWith(("updated_at", json))).Event.UpdatedAt;

        Assert.NotNull(updatedAt);
        Assert.Equal(TimeSpan.Zero, updatedAt.Value.Offset);
        Assert.Equal(expectedUtc, updatedAt.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Assert.Equal(0, updatedAt.Value.Ticks % 10);
    }

    [Theory]
    [InlineData("\"2024-05-01T10:00:00\"", "has no offset")]
    [InlineData("\"2024-05-01T10:00:00.123\"", "has no offset")]
    [InlineData("\"2024-05-01T10:00:00.1234567891Z\"", "10 fraction digits")]
    [InlineData("\"2024-05-01\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00Z\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00:00+0900\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00:00+09\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00:00 Z\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00:00.Z\"", "not of the form")]
    [InlineData("\"2024-5-1T10:00:00Z\"", "not of the form")]
    [InlineData("\"Wed, 01 May 2024 10:00:00 GMT\"", "not of the form")]
    [InlineData("\"2024-05-01T10:00:00+24:00\"", "offset out of range")]
    [InlineData("\"2024-05-01T10:00:00+09:60\"", "offset out of range")]
    [InlineData("\"2024-02-30T10:00:00Z\"", "not a valid date and time")]
    [InlineData("\"2023-02-29T10:00:00Z\"", "not a valid date and time")]
    [InlineData("\"2024-13-01T10:00:00Z\"", "not a valid date and time")]
    [InlineData("\"2024-05-01T24:00:00Z\"", "not a valid date and time")]
    [InlineData("\"2024-05-01T10:60:00Z\"", "not a valid date and time")]
    [InlineData("\"2016-12-31T23:59:60Z\"", "leap second")]
    [InlineData("\"0000-01-01T00:00:00Z\"", "not a valid date and time")]
    [InlineData("\"0001-01-01T00:00:00Z\"", "before 1970-01-01T00:00:00Z")]
    [InlineData("\"1969-12-31T23:59:59.999999Z\"", "before 1970-01-01T00:00:00Z")]
    [InlineData("\"1970-01-01T00:30:00+01:00\"", "before 1970-01-01T00:00:00Z")]
    [InlineData("\"9999-12-31T23:59:59Z\"", null)]
    [InlineData("\"9999-12-31T23:30:00-01:00\"", "after 9999-12-31T23:59:59.999999Z")]
    [InlineData("\"10000-01-01T00:00:00Z\"", "not of the form")]
    [InlineData("-1", "before 1970-01-01T00:00:00Z")]
    [InlineData("\"-1\"", "before 1970-01-01T00:00:00Z")]
    [InlineData("-1714557600000", "before 1970-01-01T00:00:00Z")]
    [InlineData("253402300800000", "after 9999-12-31T23:59:59.999999Z")]
    [InlineData("99999999999999999999999", "after 9999-12-31T23:59:59.999999Z")]
    [InlineData("1714557600000.5", "not a whole number of epoch milliseconds")]
    [InlineData("1.7145576E12", "not a whole number of epoch milliseconds")]
    [InlineData("true", "the boolean true")]
    [InlineData("{\"$date\":1714557600000}", "an object")]
    [InlineData("[2024,5,1]", "an array")]
    public void Other_timestamps_are_an_invalid_field(string json, string? reason)
    {
        if (reason is null)
        {
            // The latest second of the range is accepted; this row documents the upper boundary.
            Assert.NotNull(AcceptedLedger(LedgerWith(("updated_at", json))).Event.UpdatedAt);
            return;
        }

        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("updated_at", json)), "INVALID_FIELD");

        Assert.StartsWith("Field 'updated_at': expected an RFC 3339 timestamp with an offset", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(reason, rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("-0", 0L)]
    [InlineData("\"42\"", 42L)]
    [InlineData("\" 42 \"", 42L)]
    [InlineData("\"007\"", 7L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("\"9223372036854775807\"", long.MaxValue)]
    public void Source_version_is_an_int64_of_at_least_zero(string json, long expected)
    {
        Assert.Equal(expected, AcceptedLedger(LedgerWith(("source_version", json))).Event.SourceVersion);
    }

    [Theory]
    [InlineData("9223372036854775808", "too large")]
    [InlineData("\"99999999999999999999\"", "too large")]
    [InlineData("-1", "negative")]
    [InlineData("\"-1\"", "negative")]
    [InlineData("-9223372036854775809", "negative")]
    [InlineData("1.0", "found 1.0")]
    [InlineData("1e3", "found 1e3")]
    [InlineData("\"1.5\"", "found \"1.5\"")]
    [InlineData("\"+1\"", "found \"+1\"")]
    [InlineData("\"v1\"", "found \"v1\"")]
    [InlineData("true", "the boolean true")]
    [InlineData("{}", "an object")]
    public void Other_source_versions_are_an_invalid_field(string json, string reason)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("version", json)), "INVALID_FIELD");

        Assert.StartsWith("Field 'source_version' (key 'version'): expected an integer from 0 to 9223372036854775807", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(reason, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_of_128_characters_is_accepted_and_129_is_an_invalid_field()
    {
        var id128 = new string('a', 128);
        Assert.Equal(id128, AcceptedLedger(LedgerReplacing("tx_id", "tx_id", Str(id128))).Event.TxId);

        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("tx_id", "tx_id", Str(id128 + "a")), "INVALID_FIELD");
        Assert.Contains("a string of 129 characters", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("…", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Id_length_counts_characters_not_utf16_units()
    {
        var emoji128 = string.Concat(Enumerable.Repeat("😀", 128));

        Assert.Equal(emoji128, AcceptedLedger(LedgerReplacing("wallet_id", "wallet_id", Str(emoji128))).Event.WalletId);
        Rejected(StreamKind.Ledger, LedgerReplacing("wallet_id", "wallet_id", Str(emoji128 + "😀")), "INVALID_FIELD");
    }

    [Theory]
    [InlineData("tx\u0000id", "U+0000")]
    [InlineData("tx\u0007id", "U+0007")]
    [InlineData("tx\nid", "U+000A")]
    [InlineData("tx\u007Fid", "U+007F")]
    [InlineData("tx\u0085id", "U+0085")]
    public void Control_characters_in_ids_are_an_invalid_field(string id, string named)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("tx_id", "tx_id", Str(id)), "INVALID_FIELD");

        Assert.Contains(named, rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("related_id")]
    [InlineData("event_id")]
    [InlineData("status")]
    [InlineData("event_type")]
    public void Optional_text_fields_follow_the_same_limits(string field)
    {
        Rejected(StreamKind.Ledger, LedgerWith((field, Str(new string('x', 129)))), "INVALID_FIELD");
        Rejected(StreamKind.Ledger, LedgerWith((field, Str("a\u0001b"))), "INVALID_FIELD");
        Rejected(StreamKind.Ledger, LedgerWith((field, "12")), "INVALID_FIELD");
    }

    [Fact]
    public void An_escaped_unpaired_surrogate_in_an_id_is_an_invalid_field()
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("tx_id", "tx_id", "\"tx\\ud800\""), "INVALID_FIELD");

        Assert.Contains("unpaired surrogate", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_are_trimmed_and_kept_otherwise_as_written()
    {
        var e = AcceptedLedger(Obj(
            ("tx_id", Str("  Tx-Ünïcode/1 ")), ("wallet_id", Str("\tw-1\n")), ("entry_type", Str(" payment ")),
            ("amount", Str(" 1 ")), ("status", Str(" Posted ")), ("event_id", Str("\u00A0ev\u2003")))).Event;

        Assert.Equal("Tx-Ünïcode/1", e.TxId);
        Assert.Equal("w-1", e.WalletId);
        Assert.Equal("Posted", e.Status);
        Assert.Equal("ev", e.EventId);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\"\\t\\r\\n\"")]
    [InlineData("null")]
    public void Empty_strings_and_null_count_as_absent(string json)
    {
        var e = AcceptedLedger(LedgerWith(("currency", json), ("related_id", json), ("status", json), ("updated_at", json), ("source_version", json), ("event_id", json), ("event_type", json))).Event;

        Assert.Null(e.Currency);
        Assert.Null(e.RelatedId);
        Assert.Null(e.RelatedType);
        Assert.Null(e.Status);
        Assert.Null(e.UpdatedAt);
        Assert.Null(e.SourceVersion);
        Assert.Null(e.EventId);
        Assert.Null(e.EventType);

        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing("tx_id", "tx_id", json), "CORE_REQUIRED_MISSING");
        Assert.Contains(": tx_id.", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usd", "USD")]
    [InlineData("EUR", "EUR")]
    [InlineData(" chf ", "CHF")]
    [InlineData("jPy", "JPY")]
    public void Currency_is_three_letters_upper_cased(string written, string expected)
    {
        Assert.Equal(expected, AcceptedLedger(LedgerWith(("currency", Str(written)))).Event.Currency);
        Assert.Equal(expected, AcceptedOrder(OrderWith(("currency", Str(written)))).Event.Currency);
    }

    [Theory]
    [InlineData("\"US\"")]
    [InlineData("\"USDT\"")]
    [InlineData("\"U5D\"")]
    [InlineData("\"ÜSD\"")]
    [InlineData("\"U D\"")]
    [InlineData("978")]
    [InlineData("[\"EUR\"]")]
    public void Other_currencies_are_an_invalid_field(string json)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("currency_code", json)), "INVALID_FIELD");

        Assert.StartsWith("Field 'currency' (key 'currency_code'): expected a three-letter ISO 4217 currency code", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Related_type_defaults_to_payment_order_when_related_id_is_present()
    {
        Assert.Equal("PAYMENT_ORDER", AcceptedLedger(LedgerWith(("related_id", "\"po-1\""))).Event.RelatedType);
        Assert.Equal("REFUND", AcceptedLedger(LedgerWith(("related_id", "\"po-1\""), ("related_type", "\" refund \""))).Event.RelatedType);
        Assert.Null(AcceptedLedger(LedgerWith()).Event.RelatedType);
        Assert.Equal("REFUND", AcceptedLedger(LedgerWith(("related_type", "\"REFUND\""))).Event.RelatedType);
        Rejected(StreamKind.Ledger, LedgerWith(("related_id", "\"po-1\""), ("related_type", "\"payment order\"")), "INVALID_FIELD");
    }

    [Theory]
    [InlineData("CREATED", "CREATED")]
    [InlineData("frozen", "FROZEN")]
    [InlineData(" Settled ", "SETTLED")]
    [InlineData("rolled_back", "ROLLED_BACK")]
    [InlineData("FAILED", "FAILED")]
    [InlineData("PENDING_REVIEW_2", "PENDING_REVIEW_2")]
    public void Payment_order_status_is_an_upper_case_word(string written, string expected)
    {
        Assert.Equal(expected, AcceptedOrder(Obj(("order_id", "\"po-1\""), ("status", Str(written)))).Event.Status);
    }

    [Theory]
    [InlineData("\"rolled back\"")]
    [InlineData("\"FAILED-1\"")]
    [InlineData("\"ÉCHOUÉ\"")]
    [InlineData("\"SETTLED!\"")]
    [InlineData("3")]
    [InlineData("false")]
    public void Other_payment_order_statuses_are_an_invalid_field(string json)
    {
        var rejected = Rejected(StreamKind.PaymentOrder, Obj(("order_id", "\"po-1\""), ("state", json)), "INVALID_FIELD");

        Assert.StartsWith("Field 'status' (key 'state'): expected an upper-case word", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_payment_order_is_fully_normalised()
    {
        var json = Obj(
            ("orderId", "\" po-77 \""), ("order_status", "\"settled\""), ("amt", "\"99.90\""), ("currencyCode", "\"eur\""),
            ("from_wallet_id", "\"w-a\""), ("toWalletId", "\"w-b\""), ("createdAt", "\"2024-05-01T10:00:00+02:00\""),
            ("modified_at", "1714557600000"), ("sequence", "12"), ("messageId", "\"m-1\""), ("eventType", "\"OrderSettled\""),
            ("extra", "{\"nested\":[1,2,3]}"));

        var result = AcceptedOrder(json);

        Assert.Equal(
            new PaymentOrderEvent("po-77", "SETTLED", 99.9m, "EUR", "w-a", "w-b",
                new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
                12, "m-1", "OrderSettled", RawJson.FromText(json)),
            result.Event);
        Assert.Equal(11, result.AliasHits.Count);
    }

    [Fact]
    public void A_valid_ledger_event_is_fully_normalised()
    {
        var json = Obj(
            ("tx_id", "\"tx-1\""), ("wallet_id", "\"w-1\""), ("entry_type", "\"RECEIVE\""), ("amount", "100.25"), ("currency", "\"USD\""),
            ("related_id", "\"po-1\""), ("status", "\"POSTED\""), ("occurred_at", "\"2024-05-01T10:00:00Z\""),
            ("updated_at", "\"2024-05-01T10:00:01.5Z\""), ("source_version", "3"), ("event_id", "\"ev-1\""), ("event_type", "\"LedgerEntryPosted\""));

        var result = AcceptedLedger(json);

        Assert.Equal(
            new LedgerEvent("tx-1", "w-1", "RECEIVE", 100.25m, "USD", "po-1", "PAYMENT_ORDER", "POSTED",
                new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 5, 1, 10, 0, 1, 500, TimeSpan.Zero),
                3, "ev-1", "LedgerEntryPosted", RawJson.FromText(json)),
            result.Event);
        Assert.Empty(result.AliasHits);
    }

    [Fact]
    public void Payment_order_amount_is_optional_and_null_when_absent()
    {
        Assert.Null(AcceptedOrder(OrderWith()).Event.Amount);
        Assert.Equal(0m, AcceptedOrder(OrderWith(("amount", "0"))).Event.Amount);
    }

    [Fact]
    public void Missing_core_fields_are_all_named_in_table_order()
    {
        Assert.Equal(
            "Missing required field(s) of a ledger event: tx_id, wallet_id, entry_type, amount.",
            Rejected(StreamKind.Ledger, "{}", "CORE_REQUIRED_MISSING").Message);
        Assert.Equal(
            "Missing required field(s) of a ledger event: wallet_id, amount.",
            Rejected(StreamKind.Ledger, Obj(("amount", "\"\""), ("entry_type", "\"CREDIT\""), ("txId", "\"t\"")), "CORE_REQUIRED_MISSING").Message);
        Assert.Equal(
            "Missing required field(s) of a payment_order event: order_id, status.",
            Rejected(StreamKind.PaymentOrder, "{\"unrelated\":1}", "CORE_REQUIRED_MISSING").Message);
    }

    [Theory]
    [InlineData("PaymentLedgerPaired")]
    [InlineData("paymentledgerpaired")]
    [InlineData("  PaymentLedgerPaired ")]
    public void A_reserved_event_type_is_unsupported_on_both_streams(string eventType)
    {
        var ledger = Rejected(StreamKind.Ledger, LedgerWith(("event_type", Str(eventType))), "UNSUPPORTED_EVENT_TYPE");
        Rejected(StreamKind.PaymentOrder, OrderWith(("eventType", Str(eventType))), "UNSUPPORTED_EVENT_TYPE");

        Assert.Contains("reserved", ledger.Message, StringComparison.Ordinal);
        Assert.Contains(eventType.Trim(), ledger.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_event_types_are_accepted_and_carried()
    {
        Assert.Equal("PaymentLedgerPairedV2", AcceptedLedger(LedgerWith(("event_type", "\"PaymentLedgerPairedV2\""))).Event.EventType);
        Assert.Equal("order.updated", AcceptedOrder(OrderWith(("event_type", "\"order.updated\""))).Event.EventType);
    }

    [Fact]
    public void Reserved_event_types_are_configurable()
    {
        var normalizer = new EventNormalizer(new NormalizerOptions { ReservedEventTypes = ["LegReversed", " ", "PaymentLedgerPaired"] });

        Rejected(StreamKind.Ledger, LedgerWith(("event_type", "\"legreversed\"")), "UNSUPPORTED_EVENT_TYPE", normalizer);
        AcceptedLedger(LedgerWith(("event_type", "\"LegReversed\"")));
        var none = new EventNormalizer(new NormalizerOptions { ReservedEventTypes = [] });
        Assert.Equal("PaymentLedgerPaired", AcceptedLedger(LedgerWith(("event_type", "\"PaymentLedgerPaired\"")), none).Event.EventType);
    }

    [Theory]
    [InlineData("tx_id", "{\"id\":1}", "found an object")]
    [InlineData("wallet_id", "[\"w\"]", "found an array")]
    [InlineData("tx_id", "false", "found the boolean false")]
    [InlineData("tx_id", "12345", "found the number 12345")]
    [InlineData("amount", "{\"value\":1}", "found an object")]
    [InlineData("occurred_at", "[]", "found an array")]
    [InlineData("source_version", "false", "found the boolean false")]
    [InlineData("status", "{}", "found an object")]
    [InlineData("currency", "true", "found the boolean true")]
    public void A_wrong_json_type_is_an_invalid_field_naming_the_field_and_the_type_found(string field, string json, string found)
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerReplacing(field, field, json), "INVALID_FIELD");

        Assert.StartsWith($"Field '{field}': expected ", rejected.Message, StringComparison.Ordinal);
        Assert.EndsWith(found + ".", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_quote_at_most_a_short_excerpt_and_escape_control_characters()
    {
        var huge = Str("\u0000" + new string('x', 10_000));

        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("currency", huge)), "INVALID_FIELD");

        Assert.Contains("\\u0000", rejected.Message, StringComparison.Ordinal);
        Assert.True(rejected.Message.Length < 300, rejected.Message);
    }
}
