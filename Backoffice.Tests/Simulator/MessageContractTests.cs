using Backoffice.Simulator.Traffic;

namespace Backoffice.Tests.Simulator;

/// <summary>The bytes the simulator sends follow the event contract (§2), aliases and envelopes included, and break it exactly where they claim to.</summary>
public sealed class MessageContractTests(GeneratedTraffic traffic) : IClassFixture<GeneratedTraffic>
{
    [Fact]
    public void Every_valid_message_reads_back_as_its_canonical_fact()
    {
        var valid = traffic.Messages.Where(m => m.Kind is MessageKind.Version or MessageKind.Duplicate or MessageKind.Stale).ToList();

        Assert.All(valid, message =>
        {
            var read = ContractReader.Read(message.Stream, message.Value!);
            Assert.Null(read.ErrorCode);
            if (message.Stream == StreamKind.Ledger)
            {
                Assert.Equal(message.Ledger, read.Ledger);
            }
            else
            {
                Assert.Equal(message.PaymentOrder, read.PaymentOrder);
            }
        });
    }

    [Fact]
    public void Every_malformed_message_has_exactly_the_defect_its_error_code_names()
    {
        var malformed = traffic.Messages.Where(m => m.Kind == MessageKind.Malformed).ToList();

        Assert.All(malformed, message =>
            Assert.True(ContractReader.Read(message.Stream, message.Value!).ErrorCode == message.ExpectedErrorCode,
                $"{message.Description}: expected {message.ExpectedErrorCode}, read {ContractReader.Read(message.Stream, message.Value!).ErrorCode} from {System.Text.Encoding.UTF8.GetString(message.Value!)}"));
    }

    [Fact]
    public void Every_case_of_the_malformed_catalogue_reads_as_its_error_code()
    {
        var random = new SimulatorRandom(1);
        using var encoder = new MessageEncoder();
        var at = new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);
        var context = new MalformedContext(encoder, random,
            new LedgerFact("tx-bad-1", "w-1", "PAYMENT", 15000m, "KRW", "po-bad-1", null, "POSTED", at, at, 1, "ev-1", null),
            new PaymentOrderFact("po-bad-1", "FROZEN", 15000m, "KRW", "w-1", "w-2", at, at, 2, "ev-2", null));

        Assert.All(MalformedCatalogue.Ledger.Concat(MalformedCatalogue.PaymentOrder), @case =>
            Assert.True(ContractReader.Read(@case.Stream, @case.Build(context)).ErrorCode == @case.ErrorCode, @case.Description));
    }

    [Fact]
    public void Producers_aliases_and_all_accepted_shapes_occur()
    {
        var reads = traffic.Messages.Where(m => m.Kind == MessageKind.Version)
            .Select(m => ContractReader.Read(m.Stream, m.Value!)).ToList();
        var names = reads.SelectMany(r => r.NamesUsed).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(StringComparer.Ordinal)
        {
            "tx_id", "txId", "transaction_id", "transactionId", "TX-ID", "wallet_id", "walletId", "account_id", "accountId",
            "entry_type", "entryType", "direction", "side", "amt", "currency_code", "currencyCode", "order_id", "paymentOrderId",
            "relatedType", "state", "created_at", "event_time", "modified_at", "modifiedAt", "version", "sequence", "message_id",
            "orderId", "payment_order_id", "order_status", "orderStatus", "from_wallet_id", "fromWalletId", "to_wallet_id", "toWalletId", "seq",
        }, names);
        Assert.Contains(reads, r => r.Debezium);
        Assert.Contains(traffic.Messages, m => m.Value is { } v && v.AsSpan().IndexOf("\"schema\":"u8) == 1);
        Assert.Contains(traffic.Messages, m => m.Value is { } v && v.AsSpan().IndexOf("\"op\":\"r\""u8) >= 0);
        Assert.Contains(traffic.Messages, m => m.Value is { } v && v.AsSpan().IndexOf("\"op\":\"u\""u8) >= 0);
        Assert.Contains(traffic.Messages, m => m.Value is { } v && v.AsSpan().IndexOf("+09:00"u8) >= 0);
        Assert.Contains(traffic.Messages, m => m.Value is { } v && v.AsSpan().IndexOf("\"direction\":\"DEBIT\""u8) >= 0);
    }

    [Fact]
    public void Debezium_share_and_alias_share_match_the_options()
    {
        var firstSends = traffic.Messages.Where(m => m.Kind == MessageKind.Version).Select(m => ContractReader.Read(m.Stream, m.Value!)).ToList();

        var debezium = firstSends.Count(r => r.Debezium);
        var aliased = firstSends.Count(r => !r.Debezium && r.NamesUsed.Any(n => !Canonical.Contains(n)));

        Assert.InRange((double)debezium / firstSends.Count, traffic.Options.DebeziumShare - 0.02, traffic.Options.DebeziumShare + 0.02);
        // Alias shapes apply to the flat messages only.
        var expectedAliased = (1 - traffic.Options.DebeziumShare) * traffic.Options.AliasShare;
        Assert.InRange((double)aliased / firstSends.Count, expectedAliased - 0.03, expectedAliased + 0.03);
    }

    private static readonly HashSet<string> Canonical = new(StringComparer.Ordinal)
    {
        "tx_id", "wallet_id", "entry_type", "amount", "currency", "related_id", "related_type", "status", "occurred_at", "updated_at",
        "source_version", "event_id", "event_type", "order_id", "payer_wallet_id", "payee_wallet_id", "created_at",
    };
}
