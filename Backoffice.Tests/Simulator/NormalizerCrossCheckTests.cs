using Backoffice.Simulator.Traffic;
using Backoffice.SyncConsumer.Normalisation;
using SimulatorStream = Backoffice.Simulator.Traffic.StreamKind;
using ConsumerStream = Backoffice.SyncConsumer.Normalisation.StreamKind;

namespace Backoffice.Tests.Simulator;

/// <summary>
/// A cross-check, not the oracle: the consumer's own normaliser reads every simulated message as the
/// simulator says it must (the canonical fact, or the DLQ error code, or a skip).
/// </summary>
public sealed class NormalizerCrossCheckTests(GeneratedTraffic traffic) : IClassFixture<GeneratedTraffic>
{
    private static readonly EventNormalizer Normalizer = new(new NormalizerOptions());

    [Fact]
    public void The_consumers_normaliser_reads_every_valid_message_as_its_fact()
    {
        Assert.All(traffic.Messages.Where(m => m.Ledger is not null || m.PaymentOrder is not null), message =>
        {
            var result = Normalise(message);
            if (message.Ledger is { } fact)
            {
                var e = Assert.IsType<NormalisationResult.Ledger>(result).Event;
                Assert.Equal(fact, new LedgerFact(e.TxId, e.WalletId, e.EntryType, e.Amount, e.Currency, e.RelatedId,
                    fact.RelatedType is null ? null : e.RelatedType, e.Status, e.OccurredAt, e.UpdatedAt, e.SourceVersion, e.EventId, e.EventType));
                Assert.Equal(fact.RelatedType ?? (fact.RelatedId is null ? null : "PAYMENT_ORDER"), e.RelatedType);
            }
            else
            {
                var e = Assert.IsType<NormalisationResult.PaymentOrder>(result).Event;
                Assert.Equal(message.PaymentOrder, new PaymentOrderFact(e.OrderId, e.Status, e.Amount, e.Currency, e.PayerWalletId, e.PayeeWalletId,
                    e.CreatedAt, e.UpdatedAt, e.SourceVersion, e.EventId, e.EventType));
            }
        });
    }

    [Fact]
    public void The_consumers_normaliser_rejects_every_malformed_message_with_the_expected_code()
    {
        Assert.All(traffic.Messages.Where(m => m.Kind == MessageKind.Malformed), message =>
        {
            var rejected = Assert.IsType<NormalisationResult.Rejected>(Normalise(message));
            Assert.True(rejected.ErrorCode == message.ExpectedErrorCode, $"{message.Description}: expected {message.ExpectedErrorCode}, got {rejected.ErrorCode} ({rejected.Message})");
        });
    }

    [Fact]
    public void The_consumers_normaliser_agrees_on_every_case_of_the_malformed_catalogue()
    {
        var at = new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);
        using var encoder = new MessageEncoder();
        var context = new MalformedContext(encoder, new SimulatorRandom(3),
            new LedgerFact("tx-bad-1", "w-1", "PAYMENT", 15000m, "KRW", "po-bad-1", null, "POSTED", at, at, 1, "ev-1", null),
            new PaymentOrderFact("po-bad-1", "FROZEN", 15000m, "KRW", "w-1", "w-2", at, at, 2, "ev-2", null));

        Assert.All(MalformedCatalogue.Ledger.Concat(MalformedCatalogue.PaymentOrder), @case =>
        {
            var result = Normalizer.Normalise(Inbound(@case.Stream, "k", @case.Build(context)));
            var rejected = Assert.IsType<NormalisationResult.Rejected>(result);
            Assert.True(rejected.ErrorCode == @case.ErrorCode, $"{@case.Description}: expected {@case.ErrorCode}, got {rejected.ErrorCode} ({rejected.Message})");
        });
    }

    [Fact]
    public void The_consumers_normaliser_skips_every_tombstone()
    {
        Assert.All(traffic.Messages.Where(m => m.Kind == MessageKind.Tombstone), message => Assert.IsType<NormalisationResult.Skipped>(Normalise(message)));
    }

    private static NormalisationResult Normalise(SimulatedMessage message) => Normalizer.Normalise(Inbound(message.Stream, message.Key, message.Value));

    private static InboundMessage Inbound(SimulatorStream stream, string key, byte[]? value) => new(
        stream == SimulatorStream.Ledger ? ConsumerStream.Ledger : ConsumerStream.PaymentOrder,
        "topic", 0, 0, System.Text.Encoding.UTF8.GetBytes(key), value, [], DateTimeOffset.UnixEpoch);
}
