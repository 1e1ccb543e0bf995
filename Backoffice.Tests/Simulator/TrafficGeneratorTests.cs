using Backoffice.Simulator.Traffic;

namespace Backoffice.Tests.Simulator;

/// <summary>The generator is deterministic and its traffic has the shape and the shares it is configured for.</summary>
public sealed class TrafficGeneratorTests(GeneratedTraffic traffic) : IClassFixture<GeneratedTraffic>
{
    [Fact]
    public void The_same_seed_generates_the_same_messages_byte_for_byte()
    {
        var options = new TrafficOptions { Seed = 11, Payments = 300 };

        var first = new TrafficGenerator(options).Generate().ToList();
        var second = new TrafficGenerator(options).Generate().ToList();

        Assert.Equal(first.Count, second.Count);
        Assert.All(first.Zip(second), pair =>
        {
            Assert.Equal(pair.First.Key, pair.Second.Key);
            Assert.Equal(pair.First.Kind, pair.Second.Kind);
            Assert.Equal(pair.First.Value, pair.Second.Value);
        });
    }

    [Fact]
    public void A_different_seed_generates_different_traffic_with_different_ids()
    {
        var a = new TrafficGenerator(new TrafficOptions { Seed = 1, Payments = 50 }).Generate().Select(m => m.Key).ToHashSet();
        var b = new TrafficGenerator(new TrafficOptions { Seed = 2, Payments = 50 }).Generate().Select(m => m.Key).ToHashSet();

        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public void Payments_and_their_outcomes_depend_on_the_seed_not_on_start_time_or_rate()
    {
        var slow = new TrafficGenerator(new TrafficOptions { Seed = 5, Payments = 200, EventsPerSecond = 5 }).Plans(200).ToList();
        var fast = new TrafficGenerator(new TrafficOptions { Seed = 5, Payments = 200, EventsPerSecond = 50_000, StartTime = DateTimeOffset.UnixEpoch }).Plans(200).ToList();

        Assert.Equal(slow, fast);
    }

    [Fact]
    public void Sequences_number_the_messages_in_emission_order()
    {
        Assert.Equal(Enumerable.Range(0, traffic.Messages.Count).Select(i => (long)i), traffic.Messages.Select(m => m.Sequence));
    }

    [Fact]
    public void Messages_are_emitted_in_simulated_time_at_the_configured_rate()
    {
        var times = traffic.Messages.Select(m => m.At).ToList();
        var span = times[^1] - times[0];

        Assert.Equal(times.Order(), times);
        Assert.InRange(traffic.Messages.Count / span.TotalSeconds, traffic.Options.EventsPerSecond * 0.95, traffic.Options.EventsPerSecond * 1.05);
    }

    [Fact]
    public void A_new_version_is_sent_at_its_event_time()
    {
        var versions = traffic.Messages.Where(m => m.Kind == MessageKind.Version).ToList();

        Assert.All(versions.Where(m => m.PaymentOrder?.UpdatedAt is not null), m => Assert.Equal(m.PaymentOrder!.UpdatedAt, m.At));
        Assert.All(versions.Where(m => m.Ledger?.UpdatedAt is not null), m => Assert.Equal(m.Ledger!.UpdatedAt, m.At));
        Assert.All(traffic.Messages.Where(m => m.Kind is MessageKind.Duplicate or MessageKind.Stale), m =>
            Assert.True(m.At >= (m.Ledger?.OccurredAt ?? m.PaymentOrder!.CreatedAt), "A re-send cannot precede the event."));
    }

    [Fact]
    public void Scenario_shares_match_the_options()
    {
        var plans = traffic.Plans;
        Assert.Equal(GeneratedTraffic.PaymentCount, plans.Count);
        AssertShare(traffic.Options.RollbackShare, plans.Count(p => p.Scenario == PaymentScenario.RolledBack), plans.Count);
        AssertShare(traffic.Options.WithheldShare, plans.Count(p => p.Scenario == PaymentScenario.LegWithheld), plans.Count);
        AssertShare(traffic.Options.AmountMismatchShare, plans.Count(p => p.Scenario == PaymentScenario.AmountMismatch), plans.Count);
    }

    [Fact]
    public void Duplicate_stale_malformed_and_tombstone_shares_match_the_options()
    {
        var firstSends = traffic.Count(MessageKind.Version);

        AssertShare(traffic.Options.DuplicateShare, traffic.Count(MessageKind.Duplicate), firstSends);
        AssertShare(traffic.Options.StaleShare, traffic.Count(MessageKind.Stale), firstSends);
        AssertShare(traffic.Options.MalformedShare, traffic.Count(MessageKind.Malformed), firstSends);
        AssertShare(traffic.Options.TombstoneShare, traffic.Count(MessageKind.Tombstone), firstSends);
    }

    [Fact]
    public void Every_malformed_error_code_of_the_contract_occurs()
    {
        string[] codes = ["INVALID_JSON", "NOT_AN_OBJECT", "CORE_REQUIRED_MISSING", "INVALID_FIELD", "ALIAS_CONFLICT", "UNSUPPORTED_EVENT_TYPE", "UNSUPPORTED_OPERATION"];

        var produced = traffic.Messages.Where(m => m.Kind == MessageKind.Malformed).Select(m => m.ExpectedErrorCode).ToHashSet();

        Assert.Superset(codes.ToHashSet(), produced!);
        Assert.All(traffic.Messages.Where(m => m.Kind != MessageKind.Malformed), m => Assert.Null(m.ExpectedErrorCode));
    }

    [Fact]
    public void Orders_move_created_frozen_then_settled_or_rolled_back_with_increasing_versions()
    {
        var versions = traffic.Messages.Where(m => m.Kind == MessageKind.Version && m.PaymentOrder is not null)
            .GroupBy(m => m.Key)
            .ToDictionary(g => g.Key, g => g.Select(m => m.PaymentOrder!).ToList());

        Assert.All(traffic.Plans, plan =>
        {
            var states = versions[plan.OrderId];
            string[] expected = plan.Scenario switch
            {
                PaymentScenario.RolledBack => ["CREATED", "FROZEN", "ROLLED_BACK"],
                PaymentScenario.LegWithheld => ["CREATED", "FROZEN"],
                _ => ["CREATED", "FROZEN", "SETTLED"],
            };
            Assert.Equal(expected, states.Select(s => s.Status));
            Assert.All(states.Zip(states.Skip(1)), step =>
            {
                Assert.True(Backoffice.Simulator.Oracle.VersionOrder.Compare(step.Second.UpdatedAt, step.Second.SourceVersion, step.First.UpdatedAt, step.First.SourceVersion) > 0,
                    $"{plan.OrderId}: {step.Second.Status} does not have a newer version than {step.First.Status}");
            });
            Assert.All(states, s => Assert.Equal((plan.Amount, plan.Currency, plan.PayerWalletId, plan.PayeeWalletId), (s.Amount!.Value, s.Currency!, s.PayerWalletId!, s.PayeeWalletId!)));
        });
    }

    [Fact]
    public void Each_payment_sends_its_legs_from_the_payer_to_the_payee_under_its_order_id()
    {
        var legs = traffic.Messages.Where(m => m.Ledger is not null).GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Last().Ledger!);

        Assert.All(traffic.Plans, plan =>
        {
            Assert.Equal(plan.SentTxIds.Order(), legs.Keys.Where(k => k.StartsWith(plan.PaymentTxId[..^4], StringComparison.Ordinal)).Order());
            foreach (var txId in plan.SentTxIds)
            {
                var leg = legs[txId];
                Assert.Equal(plan.OrderId, leg.RelatedId);
                Assert.Equal(plan.Currency, leg.Currency);
                Assert.Equal(txId == plan.PaymentTxId ? ("PAYMENT", plan.PayerWalletId) : ("RECEIVE", plan.PayeeWalletId), (leg.EntryType, leg.WalletId));
                var amountMatches = leg.Amount == plan.Amount;
                Assert.True(amountMatches || (plan.Scenario == PaymentScenario.AmountMismatch && leg.EntryType == "RECEIVE"), $"{txId} has amount {leg.Amount}, the order {plan.Amount}");
            }
        });
    }

    [Fact]
    public void Messages_are_keyed_by_tx_id_on_the_ledger_stream_and_by_order_id_on_the_order_stream()
    {
        Assert.All(traffic.Messages.Where(m => m.Ledger is not null), m => Assert.Equal(m.Ledger!.TxId, m.Key));
        Assert.All(traffic.Messages.Where(m => m.PaymentOrder is not null), m => Assert.Equal(m.PaymentOrder!.OrderId, m.Key));
        Assert.All(traffic.Messages.Where(m => m.Kind == MessageKind.Tombstone), m => Assert.Null(m.Value));
    }

    [Fact]
    public void Legs_arrive_in_either_order_and_other_traffic_runs_between_them()
    {
        var firstSeen = traffic.Messages.Where(m => m.Kind == MessageKind.Version && m.Ledger is not null)
            .GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.First().Sequence);
        var paired = traffic.Plans.Where(p => p.Scenario is PaymentScenario.Settled or PaymentScenario.AmountMismatch).ToList();

        var paymentFirst = paired.Count(p => firstSeen[p.PaymentTxId] < firstSeen[p.ReceiveTxId]);
        var gaps = paired.Select(p => Math.Abs(firstSeen[p.PaymentTxId] - firstSeen[p.ReceiveTxId])).ToList();

        Assert.InRange(paymentFirst, paired.Count * 0.4, paired.Count * 0.6);
        Assert.True(gaps.Count(g => g > 10) > paired.Count / 2, "Most payments should have other messages between their legs.");
    }

    [Fact]
    public void Some_legs_are_updated_from_pending_to_posted_as_a_second_version()
    {
        var updated = traffic.Messages.Where(m => m.Kind == MessageKind.Version && m.Ledger is not null)
            .GroupBy(m => m.Key).Where(g => g.Count() == 2).ToList();

        AssertShare(traffic.Options.LegUpdateShare, updated.Count, traffic.Plans.Sum(p => p.SentTxIds.Count));
        Assert.All(updated, g => Assert.Equal(["PENDING", "POSTED"], g.Select(m => m.Ledger!.Status)));
    }

    [Fact]
    public void Stale_messages_carry_an_older_version_and_follow_a_newer_one()
    {
        var stale = traffic.Messages.Where(m => m.Kind == MessageKind.Stale).ToList();

        Assert.NotEmpty(stale);
        Assert.All(stale, late =>
        {
            var newer = traffic.Messages.Where(m => m.Key == late.Key && m.Sequence < late.Sequence && m.Kind == MessageKind.Version)
                .Select(m => Version(m)).ToList();
            var version = Version(late);
            Assert.Contains(newer, v => Backoffice.Simulator.Oracle.VersionOrder.Compare(v.U, v.S, version.U, version.S) > 0);
        });
    }

    [Fact]
    public void Unversioned_events_are_single_version_legs_resent_only_byte_for_byte()
    {
        var unversioned = traffic.Messages.Where(m => m.Ledger is { UpdatedAt: null, SourceVersion: null }).GroupBy(m => m.Key).ToList();

        Assert.NotEmpty(unversioned);
        Assert.All(unversioned, g =>
        {
            Assert.Single(g, m => m.Kind == MessageKind.Version);
            Assert.DoesNotContain(g, m => m.Kind == MessageKind.Stale);
            Assert.All(g, m => Assert.Equal(g.First().Value, m.Value));
        });
        Assert.DoesNotContain(traffic.Messages, m => m.PaymentOrder is { UpdatedAt: null, SourceVersion: null });
    }

    [Fact]
    public void A_few_busy_wallets_have_many_pages_of_entries()
    {
        var perWallet = traffic.Messages.Where(m => m.Ledger is not null).DistinctBy(m => m.Key).GroupBy(m => m.Ledger!.WalletId).Select(g => g.Count()).OrderDescending().ToList();

        // The listing page size is at most 200: the busiest wallets must need several pages.
        Assert.True(perWallet.Take(traffic.Options.BusyWalletCount).All(n => n > 200), $"Busiest wallets: {string.Join(", ", perWallet.Take(10))}");
        Assert.True(perWallet.Count > traffic.Options.WalletCount / 2);
    }

    [Fact]
    public void Amounts_use_each_currencys_decimals()
    {
        var orders = traffic.Plans;

        Assert.All(orders.Where(p => p.Currency == "KRW"), p => Assert.Equal(0, p.Amount.Scale));
        Assert.All(orders.Where(p => p.Currency != "KRW"), p => Assert.Equal(2, p.Amount.Scale));
        Assert.Equal(["EUR", "KRW", "USD"], orders.Select(p => p.Currency).Distinct().Order());
    }

    [Fact]
    public void Stopping_after_a_message_count_finishes_the_payments_already_started()
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 3 });

        var messages = generator.Generate(stopAfterMessages: 2_000).ToList();

        Assert.InRange(messages.Count, 2_000, 2_100);
        var last = messages.Max(m => m.Payment?.Number ?? 0);
        var lastPlan = messages.First(m => m.Payment?.Number == last).Payment!;
        var sentForLast = messages.Where(m => m.Kind == MessageKind.Version && m.Payment?.Number == last).Select(m => m.Key).ToHashSet();
        Assert.Superset(lastPlan.SentTxIds.Append(lastPlan.OrderId).ToHashSet(), sentForLast);
    }

    private static (DateTimeOffset? U, long? S) Version(SimulatedMessage m) =>
        m.Ledger is { } l ? (l.UpdatedAt, l.SourceVersion) : (m.PaymentOrder!.UpdatedAt, m.PaymentOrder.SourceVersion);

    /// <summary>A share within three binomial standard deviations (plus a little) of the target.</summary>
    private static void AssertShare(double expected, int count, int total)
    {
        var tolerance = (3 * Math.Sqrt(expected * (1 - expected) / total)) + 0.002;
        Assert.InRange((double)count / total, expected - tolerance, expected + tolerance);
    }
}
