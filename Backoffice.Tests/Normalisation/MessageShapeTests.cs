using System.Text;
using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>Accepted shapes (§2: flat, Debezium with and without wrapper), tombstones and DESERIALIZE errors.</summary>
public sealed class MessageShapeTests
{
    private const string Row = """{"tx_id":"tx-dbz","wallet_id":"w-1","entry_type":"DEBIT","amount":"7.50","related_id":"po-1"}""";
    private const string Before = """{"tx_id":"tx-dbz","wallet_id":"w-1","entry_type":"DEBIT","amount":"7.00"}""";
    private const string Source = """{"version":"2.7.0.Final","connector":"postgresql","name":"bo","ts_ms":1714557600000,"db":"ledger","table":"entries","lsn":123}""";
    private const string Schema = """{"type":"struct","fields":[],"optional":false,"name":"bo.ledger.entries.Envelope"}""";

    [Fact]
    public void A_tombstone_is_skipped()
    {
        var result = Normalizer.Normalise(Message(StreamKind.Ledger, null));

        Assert.Equal(new NormalisationResult.Skipped("tombstone"), result);
    }

    [Fact]
    public void A_flat_event_keeps_the_whole_message_with_unknown_fields_as_raw_payload()
    {
        var json = """
            {"tx_id":"tx-1","wallet_id":"w-1","entry_type":"PAYMENT","amount":10,
             "unknown":{"deep":[1,"two",{"three":null}]},"note":"x\u0000y","emoji":"😀","n":1.0e-7}
            """;

        var result = AcceptedLedger(json);

        Assert.Equal(json, result.Event.RawPayload.ToString());
    }

    [Theory]
    [InlineData("c")]
    [InlineData("u")]
    [InlineData("r")]
    public void A_debezium_upsert_without_wrapper_uses_the_after_row(string op)
    {
        var json = $$"""{"before":{{(op == "u" ? Before : "null")}},"after":{{Row}},"source":{{Source}},"op":"{{op}}","ts_ms":1714557600999,"transaction":null}""";

        var result = AcceptedLedger(json);

        Assert.Equal("tx-dbz", result.Event.TxId);
        Assert.Equal("PAYMENT", result.Event.EntryType);
        Assert.Equal(7.5m, result.Event.Amount);
        Assert.Null(result.Event.UpdatedAt); // ts_ms is not a version
        Assert.Null(result.Event.SourceVersion); // nor is source.version
        Assert.Equal(json, result.Event.RawPayload.ToString());
    }

    [Theory]
    [InlineData("c")]
    [InlineData("u")]
    [InlineData("r")]
    public void A_debezium_upsert_with_the_schema_payload_wrapper_uses_the_after_row(string op)
    {
        var json = $$$"""{"schema":{{{Schema}}},"payload":{"before":null,"after":{{{Row}}},"source":{{{Source}}},"op":"{{{op}}}","ts_ms":1714557600999}}""";

        var result = AcceptedLedger(json);

        Assert.Equal("tx-dbz", result.Event.TxId);
        Assert.Equal(json, result.Event.RawPayload.ToString());
    }

    [Fact]
    public void A_wrapper_with_a_null_schema_is_recognised()
    {
        Assert.Equal("tx-dbz", AcceptedLedger($$$"""{"schema":null,"payload":{"op":"c","after":{{{Row}}}}}""").Event.TxId);
    }

    [Fact]
    public void A_payment_order_debezium_event_is_normalised_from_after()
    {
        var json = """{"op":"u","before":{"order_id":"po-1","status":"CREATED"},"after":{"order_id":"po-1","status":"settled","version":4}}""";

        var result = AcceptedOrder(json);

        Assert.Equal("SETTLED", result.Event.Status);
        Assert.Equal(4, result.Event.SourceVersion);
        Assert.Equal([new AliasHit("source_version", "version")], result.AliasHits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_debezium_delete_is_an_unsupported_operation(bool wrapped)
    {
        var envelope = $$"""{"before":{{Before}},"after":null,"source":{{Source}},"op":"d","ts_ms":1}""";
        var json = wrapped ? $$"""{"schema":{{Schema}},"payload":{{envelope}}}""" : envelope;

        var rejected = Rejected(StreamKind.Ledger, json, "UNSUPPORTED_OPERATION");

        Assert.Contains("op \"d\" (delete)", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t")]
    [InlineData("m")]
    [InlineData("x")]
    [InlineData("C")]
    [InlineData("")]
    [InlineData("create")]
    public void Any_other_debezium_op_is_an_unsupported_operation(string op)
    {
        var rejected = Rejected(StreamKind.Ledger, $$"""{"op":{{Str(op)}},"after":{{Row}}}""", "UNSUPPORTED_OPERATION");

        Assert.Contains($"op {Str(op)}", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"c","after":null,"before":null}""", "found null")]
    [InlineData("""{"op":"u","before":{"tx_id":"t"}}""", "found no 'after' key")]
    public void A_debezium_upsert_without_a_row_is_an_invalid_field(string json, string found)
    {
        var rejected = Rejected(StreamKind.Ledger, json, "INVALID_FIELD");

        Assert.StartsWith("Field 'after' of a Debezium change event", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(found, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_op_with_different_values_is_an_alias_conflict()
    {
        Rejected(StreamKind.Ledger, $$"""{"op":"c","after":{{Row}},"op":"d"}""", "ALIAS_CONFLICT");
        Assert.Equal("tx-dbz", AcceptedLedger($$"""{"op":"c","after":{{Row}},"op":"c"}""").Event.TxId);
    }

    [Fact]
    public void A_flat_event_with_a_payload_field_is_not_misread_as_a_wrapper()
    {
        // A payload object that is not an envelope, and an envelope-like payload without "schema".
        var plain = LedgerWith(("payload", """{"op":"refund","items":[1,2]}"""), ("schema", "{}"));
        var noSchema = LedgerWith(("payload", $$"""{"op":"c","after":{{Row}}}"""));

        Assert.Equal("tx-1", AcceptedLedger(plain).Event.TxId);
        Assert.Equal("tx-1", AcceptedLedger(noSchema).Event.TxId);
    }

    [Theory]
    [InlineData("op", "\"c\"")] // op without after/before
    [InlineData("after", "\"yesterday\"")] // after that is not an object
    [InlineData("before", "42")]
    public void A_flat_event_with_envelope_like_fields_stays_flat(string key, string json)
    {
        var extra = key == "op" ? [(key, json)] : new[] { ("op", "\"c\""), (key, json) };

        Assert.Equal("tx-1", AcceptedLedger(LedgerWith(extra)).Event.TxId);
    }

    [Fact]
    public void A_non_string_op_does_not_make_an_envelope()
    {
        var rejected = Rejected(StreamKind.Ledger, $$"""{"op":1,"after":{{Row}}}""", "CORE_REQUIRED_MISSING");

        Assert.Contains("tx_id, wallet_id, entry_type, amount", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "a JSON array")]
    [InlineData("[{\"tx_id\":\"t\"}]", "a JSON array")]
    [InlineData("\"tx-1\"", "a JSON string")]
    [InlineData("42", "a JSON number")]
    [InlineData("null", "the JSON literal null")]
    [InlineData("true", "the JSON literal true")]
    [InlineData(" false ", "the JSON literal false")]
    public void Json_that_is_not_an_object_is_rejected(string json, string described)
    {
        var rejected = Rejected(StreamKind.Ledger, json, "NOT_AN_OBJECT");

        Assert.Equal($"Message value is {described}; expected a JSON object.", rejected.Message);
    }

    [Theory]
    [InlineData("hello", 0)]
    [InlineData("{", 1)]
    [InlineData("{\"tx_id\":\"t\",}", 13)]
    [InlineData("{'tx_id':'t'}", 1)]
    [InlineData("{\"a\":1} trailing", 8)]
    [InlineData("{\"a\":NaN}", 5)]
    [InlineData("{\"a\":Infinity}", 5)]
    [InlineData("/* comment */ {}", 0)]
    [InlineData("{\"a\":01}", 6)]
    [InlineData("{\"a\":\"unterminated}", 19)]
    [InlineData("{\n\"a\":1,\n\"b\":}", 13)]
    public void Text_that_is_not_json_is_invalid_json_with_the_parser_position(string text, int offset)
    {
        var rejected = Rejected(StreamKind.Ledger, text, "INVALID_JSON");

        Assert.StartsWith($"Message value is not valid JSON at byte offset {offset} ", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x20, 0x0A }, "empty")]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF }, "empty")]
    public void An_empty_value_is_invalid_json(byte[] value, string says)
    {
        var rejected = AssertRejected(Normalizer.Normalise(Message(StreamKind.Ledger, value)), "INVALID_JSON");

        Assert.Contains(says, rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, 10, "the invalid byte 0xFF")]
    [InlineData(new byte[] { 0xC0, 0xAF }, 10, "the invalid byte 0xC0")] // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 10, "the invalid byte 0xED")] // an encoded surrogate
    [InlineData(new byte[] { 0x63, 0x61, 0x66, 0xE9 }, 13, "the invalid byte 0xE9")] // "café" in Latin-1
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, 10, "the invalid byte 0xF4")] // above U+10FFFF
    public void Bytes_that_are_not_utf8_are_invalid_json(byte[] bad, int offset, string says)
    {
        var value = Encoding.UTF8.GetBytes("{\"tx_id\":\"").Concat(bad).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();

        var rejected = AssertRejected(Normalizer.Normalise(Message(StreamKind.Ledger, value)), "INVALID_JSON");

        Assert.Equal($"Message value is not valid UTF-8: {says} at byte offset {offset}.", rejected.Message);
    }

    [Fact]
    public void A_truncated_utf8_sequence_at_the_end_is_invalid_json()
    {
        var value = Encoding.UTF8.GetBytes("{\"a\":\"€").AsSpan(0, 8).ToArray();

        var rejected = AssertRejected(Normalizer.Normalise(Message(StreamKind.Ledger, value)), "INVALID_JSON");

        Assert.Contains("truncated", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_ignored_and_not_kept_in_the_raw_payload()
    {
        var json = LedgerWith();
        var value = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(json)).ToArray();

        var result = Assert.IsType<NormalisationResult.Ledger>(Normalizer.Normalise(Message(StreamKind.Ledger, value)));

        Assert.Equal(json, result.Event.RawPayload.ToString());
    }

    [Fact]
    public void Nesting_of_1000_levels_is_invalid_json_with_a_clear_message()
    {
        var json = LedgerWith(("deep", new string('[', 1000) + new string(']', 1000)));

        var rejected = Rejected(StreamKind.Ledger, json, "INVALID_JSON");

        Assert.StartsWith("Message value is not acceptable JSON: objects and arrays are nested deeper than 64 levels", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_accepted_and_one_more_level_is_not()
    {
        // The root object is level 1.
        string Nested(int levels) => LedgerWith(("deep", new string('[', levels - 1) + new string(']', levels - 1)));

        AcceptedLedger(Nested(64));
        Rejected(StreamKind.Ledger, Nested(65), "INVALID_JSON");
        var shallow = new EventNormalizer(new NormalizerOptions { MaxDepth = 3 });
        Rejected(StreamKind.Ledger, LedgerWith(("a", "{\"b\":{\"c\":{}}}")), "INVALID_JSON", shallow);
        AcceptedLedger(LedgerWith(("a", "{\"b\":{}}")), shallow);
    }

    [Fact]
    public void Brackets_inside_strings_do_not_count_as_nesting()
    {
        AcceptedLedger(LedgerWith(("text", Str(new string('[', 1000)))));
    }

    [Fact]
    public void A_value_of_5_mib_is_payload_too_large()
    {
        var json = LedgerWith(("blob", Str(new string('a', 5 * 1024 * 1024))));

        var rejected = Rejected(StreamKind.Ledger, json, "PAYLOAD_TOO_LARGE");

        Assert.Equal($"Message value is {Encoding.UTF8.GetByteCount(json)} bytes; the limit is 1048576 bytes.", rejected.Message);
    }

    [Fact]
    public void The_size_limit_is_inclusive_and_configurable()
    {
        var json = LedgerWith();
        var size = Encoding.UTF8.GetByteCount(json);

        AcceptedLedger(json, new EventNormalizer(new NormalizerOptions { MaxMessageBytes = size }));
        Rejected(StreamKind.Ledger, json, "PAYLOAD_TOO_LARGE", new EventNormalizer(new NormalizerOptions { MaxMessageBytes = size - 1 }));
    }

    [Fact]
    public void Nul_escapes_and_unpaired_surrogates_in_unknown_fields_are_kept_as_written()
    {
        // jsonb rejects \u0000; the write path isolates such rows (WRITE_REJECTED). The normaliser must not crash.
        var json = LedgerWith(("note", "\"a\\u0000b\""), ("\\ud800key", "\"\\udc00\""));

        var result = AcceptedLedger(json);

        Assert.Equal(json, result.Event.RawPayload.ToString());
    }

    [Fact]
    public void One_normaliser_serves_concurrent_callers()
    {
        var messages = Enumerable.Range(0, 2000)
            .Select(i => i % 3 == 0 ? LedgerWith(("amt", $"\"{i}\"")) : LedgerWith(("seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ToArray();
        var sequential = messages.Select(m => Normalise(StreamKind.Ledger, m)).ToArray();

        var parallel = new NormalisationResult[messages.Length];
        Parallel.For(0, messages.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = Normalise(StreamKind.Ledger, messages[i]));

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal(Describe(sequential[i]), Describe(parallel[i]));
        }

        static string Describe(NormalisationResult r) => r switch
        {
            NormalisationResult.Ledger l => $"{l.Event} {string.Join(',', l.AliasHits)}",
            _ => r.ToString(),
        };
    }
}
