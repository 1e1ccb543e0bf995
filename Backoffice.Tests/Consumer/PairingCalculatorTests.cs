using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Pairing;

namespace Backoffice.Tests.Consumer;

/// <summary>Every row of the §4 table, plus the bookkeeping of a pair row over time.</summary>
public sealed class PairingCalculatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void One_payment_and_one_receive_with_equal_amount_and_currency_is_complete()
    {
        var state = PairingCalculator.Calculate([Payment("tx-p", 15000m, "KRW"), Receive("tx-r", 15000.00000000m, "KRW")]);

        Assert.Equal(new PairingState(PairingStatuses.Complete, null, "tx-p", "tx-r", 15000m, 15000m, "KRW", 2), state);
    }

    [Fact]
    public void Only_a_payment_leg_is_incomplete_waiting_for_receive()
    {
        var state = PairingCalculator.Calculate([Payment("tx-p", 10m, "KRW")]);

        Assert.Equal(new PairingState(PairingStatuses.Incomplete, PairingReasons.WaitingForReceive, "tx-p", null, 10m, null, "KRW", 1), state);
    }

    [Fact]
    public void Only_a_receive_leg_is_incomplete_waiting_for_payment()
    {
        var state = PairingCalculator.Calculate([Receive("tx-r", 10m, "USD")]);

        Assert.Equal(new PairingState(PairingStatuses.Incomplete, PairingReasons.WaitingForPayment, null, "tx-r", null, 10m, "USD", 1), state);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(0, 2)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 3)]
    public void More_than_one_leg_of_a_kind_is_unknown_duplicate_leg(int payments, int receives)
    {
        var legs = Enumerable.Range(0, payments).Select(i => Payment($"tx-p{i}", 10m, "KRW"))
            .Concat(Enumerable.Range(0, receives).Select(i => Receive($"tx-r{i}", 10m, "KRW")))
            .ToList();

        var state = PairingCalculator.Calculate(legs)!;

        Assert.Equal(PairingStatuses.Unknown, state.Status);
        Assert.Equal(PairingReasons.DuplicateLeg, state.Reason);
        Assert.Equal(payments + receives, state.LegCount);
        Assert.Equal(payments == 1 ? "tx-p0" : null, state.PaymentTxId);
        Assert.Equal(receives == 1 ? "tx-r0" : null, state.ReceiveTxId);
    }

    [Fact]
    public void Both_legs_with_different_amounts_is_unknown_amount_mismatch()
    {
        var state = PairingCalculator.Calculate([Payment("tx-p", 10m, "KRW"), Receive("tx-r", 10.01m, "KRW")]);

        Assert.Equal(new PairingState(PairingStatuses.Unknown, PairingReasons.AmountMismatch, "tx-p", "tx-r", 10m, 10.01m, "KRW", 2), state);
    }

    [Fact]
    public void Both_legs_with_different_currencies_is_unknown_currency_mismatch_even_when_amounts_differ_too()
    {
        var equalAmounts = PairingCalculator.Calculate([Payment("tx-p", 10m, "KRW"), Receive("tx-r", 10m, "USD")])!;
        var differentAmounts = PairingCalculator.Calculate([Payment("tx-p", 10m, "KRW"), Receive("tx-r", 11m, "USD")])!;

        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch, (string?)null), (equalAmounts.Status, equalAmounts.Reason, equalAmounts.Currency));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch), (differentAmounts.Status, differentAmounts.Reason));
    }

    [Fact]
    public void An_absent_currency_matches_only_another_absent_currency()
    {
        var oneAbsent = PairingCalculator.Calculate([Payment("tx-p", 10m, null), Receive("tx-r", 10m, "KRW")])!;
        var bothAbsent = PairingCalculator.Calculate([Payment("tx-p", 10m, null), Receive("tx-r", 10m, null)])!;

        Assert.Equal(PairingReasons.CurrencyMismatch, oneAbsent.Reason);
        Assert.Equal((PairingStatuses.Complete, (string?)null), (bothAbsent.Status, bothAbsent.Currency));
    }

    [Fact]
    public void No_leg_means_no_pair_row()
    {
        Assert.Null(PairingCalculator.Calculate([]));
    }

    [Fact]
    public void A_new_pair_changes_from_NONE_and_starts_at_its_first_leg()
    {
        var leg = Payment("tx-p", 10m, "KRW", firstIngestedAt: T0);

        var change = PairingCalculator.Recompute("po-1", [leg], stored: null, now: T0.AddSeconds(1));

        Assert.True(change.Changed);
        Assert.Equal((PairingCalculator.NoPair, PairingStatuses.Incomplete), (change.From, change.To));
        Assert.Equal(T0, change.Row!.FirstLegAt);
        Assert.Equal(T0.AddSeconds(1), change.Row.StatusChangedAt);
        Assert.Null(change.Row.CompletedAt);
        Assert.Equal(PairingCalculator.DefaultRelatedType, change.Row.RelatedType);
        Assert.Null(change.CompletedAfter);
    }

    [Fact]
    public void Completing_a_pair_sets_completed_at_once_and_reports_the_time_since_the_first_leg()
    {
        var first = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0)], null, T0).Row;

        var change = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0), Receive("tx-r", 10m, "KRW", T0.AddSeconds(3))], first, T0.AddSeconds(3));

        Assert.Equal((PairingStatuses.Incomplete, PairingStatuses.Complete), (change.From, change.To));
        Assert.Equal(T0.AddSeconds(3), change.Row!.CompletedAt);
        Assert.Equal(T0.AddSeconds(3), change.Row.StatusChangedAt);
        Assert.Equal(T0, change.Row.FirstLegAt);
        Assert.Equal(TimeSpan.FromSeconds(3), change.CompletedAfter);
    }

    [Fact]
    public void A_pair_that_leaves_COMPLETE_keeps_its_first_completion_time()
    {
        var complete = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0), Receive("tx-r", 10m, "KRW", T0)], null, T0).Row;

        var change = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0), Receive("tx-r", 12m, "KRW", T0)], complete, T0.AddMinutes(1));

        Assert.Equal((PairingStatuses.Unknown, PairingReasons.AmountMismatch), (change.Row!.PairingStatus, change.Row.PairingReason));
        Assert.Equal(T0, change.Row.CompletedAt);
        Assert.Equal(T0.AddMinutes(1), change.Row.StatusChangedAt);
        Assert.Null(change.CompletedAfter);
    }

    [Fact]
    public void Recomputing_an_unchanged_pair_writes_nothing()
    {
        List<PairLeg> legs = [Payment("tx-p", 10m, "KRW", T0), Receive("tx-r", 10m, "KRW", T0)];
        var stored = PairingCalculator.Recompute("po-1", legs, null, T0).Row;

        var change = PairingCalculator.Recompute("po-1", legs, stored, T0.AddMinutes(5));

        Assert.False(change.Changed);
        Assert.False(change.StatusChanged);
    }

    [Fact]
    public void A_reason_change_within_a_status_keeps_status_changed_at()
    {
        var stored = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0)], null, T0).Row;

        var change = PairingCalculator.Recompute("po-1", [Receive("tx-r", 10m, "KRW", T0)], stored, T0.AddMinutes(1));

        Assert.True(change.Changed);
        Assert.False(change.StatusChanged);
        Assert.Equal(PairingReasons.WaitingForPayment, change.Row!.PairingReason);
        Assert.Equal(T0, change.Row.StatusChangedAt);
    }

    [Fact]
    public void A_key_whose_last_leg_moved_away_loses_its_pair_row()
    {
        var stored = PairingCalculator.Recompute("po-1", [Payment("tx-p", 10m, "KRW", T0)], null, T0).Row;

        var change = PairingCalculator.Recompute("po-1", [], stored, T0.AddMinutes(1));

        Assert.True(change.Changed);
        Assert.Null(change.Row);
        Assert.Equal((PairingStatuses.Incomplete, PairingCalculator.NoPair), (change.From, change.To));
    }

    private static PairLeg Payment(string txId, decimal amount, string? currency, DateTimeOffset? firstIngestedAt = null) =>
        new("po-1", null, txId, "PAYMENT", amount, currency, firstIngestedAt ?? T0);

    private static PairLeg Receive(string txId, decimal amount, string? currency, DateTimeOffset? firstIngestedAt = null) =>
        new("po-1", null, txId, "RECEIVE", amount, currency, firstIngestedAt ?? T0);
}
