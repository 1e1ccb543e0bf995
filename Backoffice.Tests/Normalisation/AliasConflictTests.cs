using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>Two keys mapping to one field (§2.3): different values conflict, equal normalised values do not.</summary>
public sealed class AliasConflictTests
{
    [Theory]
    [InlineData("tx_id", "\"tx-a\"", "txId", "\"tx-b\"")]
    [InlineData("tx_id", "\"tx-a\"", "tx_id", "\"tx-b\"")] // the same key twice in one object
    [InlineData("tx_id", "\"tx-a\"", "transaction_id", "\"TX-A\"")] // ids are case-sensitive
    [InlineData("amount", "10", "amt", "10.01")]
    [InlineData("amount", "10", "amt", "\"ten\"")] // a valid and an invalid value differ
    [InlineData("amount", "\"x\"", "amt", "\"y\"")] // two different invalid values
    [InlineData("entry_type", "\"PAYMENT\"", "direction", "\"CREDIT\"")]
    [InlineData("currency", "\"EUR\"", "currency_code", "\"USD\"")]
    [InlineData("updated_at", "\"2024-05-01T10:00:00Z\"", "updatedAt", "\"2024-05-01T10:00:00.000001Z\"")]
    [InlineData("source_version", "1", "version", "2")]
    public void Different_values_for_one_field_are_an_alias_conflict(string key1, string value1, string key2, string value2)
    {
        var rejected = Rejected(StreamKind.Ledger, CoreWith(StreamKind.Ledger, key1, (key1, value1), (key2, value2)), "ALIAS_CONFLICT");

        Assert.Contains($"'{key1}'", rejected.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key2}'", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amount", "15000", "amt", "\"15000.0\"")]
    [InlineData("amount", "15000.00", "amt", "15000")]
    [InlineData("amount", "\" 0.50 \"", "amt", "0.5")]
    [InlineData("entry_type", "\"debit\"", "direction", "\"PAYMENT\"")]
    [InlineData("entry_type", "\"RECEIVE\"", "side", "\"Credit\"")]
    [InlineData("currency", "\"usd\"", "currencyCode", "\" USD \"")]
    [InlineData("tx_id", "\"tx-1\"", "txId", "\"  tx-1 \"")]
    [InlineData("updated_at", "\"2024-05-01T10:00:00Z\"", "modified_at", "\"2024-05-01T12:00:00+02:00\"")]
    [InlineData("updated_at", "\"2024-05-01T10:00:00Z\"", "modifiedAt", "1714557600000")]
    [InlineData("updated_at", "\"2024-05-01T10:00:00.1234561Z\"", "updatedAt", "\"2024-05-01T10:00:00.123456999Z\"")] // equal after truncation
    [InlineData("source_version", "1", "seq", "\"01\"")]
    [InlineData("related_type", "\"refund\"", "relatedType", "\"REFUND\"")]
    [InlineData("tx_id", "\"tx-1\"", "tx_id", "\"tx-1\"")]
    public void Equal_normalised_values_are_not_a_conflict(string key1, string value1, string key2, string value2)
    {
        var result = AcceptedLedger(CoreWith(StreamKind.Ledger, key1, (key1, value1), (key2, value2)));

        Assert.NotNull(result.Event);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("null")]
    public void An_absent_value_never_conflicts_and_the_given_value_is_used(string absent)
    {
        var first = AcceptedLedger(LedgerWith(("currency", absent), ("currency_code", "\"chf\"")));
        var second = AcceptedLedger(LedgerWith(("currency_code", "\"chf\""), ("currency", absent)));

        Assert.Equal("CHF", first.Event.Currency);
        Assert.Equal("CHF", second.Event.Currency);
    }

    [Fact]
    public void Two_identical_invalid_values_are_reported_as_an_invalid_field_not_a_conflict()
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("currency", "\"EURO\""), ("currencyCode", "\"EURO\"")), "INVALID_FIELD");

        Assert.StartsWith("Field 'currency'", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflict_on_the_payment_order_stream()
    {
        Rejected(StreamKind.PaymentOrder, OrderWith(("state", "\"FAILED\"")), "ALIAS_CONFLICT");
        AcceptedOrder(OrderWith(("order_status", "\"created\"")));
    }

    [Fact]
    public void The_conflict_message_quotes_both_values()
    {
        var rejected = Rejected(StreamKind.Ledger, LedgerWith(("amt", "\"12\"")), "ALIAS_CONFLICT");

        Assert.Equal("Field 'amount' is given twice with different values: 'amount' = 10.5 and 'amt' = \"12\".", rejected.Message);
    }
}
