using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Tests.Simulator;

/// <summary>The oracle applies the contract's version order (§3), pairing table (§4) and DLQ rules (§6) on hand-made scenarios.</summary>
public sealed class OracleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);
    private long _sequence;

    [Fact]
    public void An_older_version_arriving_after_a_newer_one_does_not_win()
    {
        var state = Build(Order("po-1", "FROZEN", 2), Order("po-1", "CREATED", 1, MessageKind.Stale));

        Assert.Equal("FROZEN", state.PaymentOrder("po-1")!.Status);
        Assert.Equal(2, state.PaymentOrder("po-1")!.SourceVersion);
    }

    [Fact]
    public void The_final_order_status_is_its_highest_version_whatever_the_order_of_arrival()
    {
        SimulatedMessage[] events = [Order("po-1", "CREATED", 1), Order("po-1", "FROZEN", 2), Order("po-1", "SETTLED", 3), Order("po-1", "FROZEN", 2, MessageKind.Duplicate)];

        var statuses = Permutations(events).Select(p => Build(p).PaymentOrder("po-1")!.Status).Distinct();

        Assert.Equal(["SETTLED"], statuses);
    }

    [Fact]
    public void Updated_at_decides_before_source_version()
    {
        var newerTime = Order("po-1", "SETTLED", 1) with { PaymentOrder = OrderFact("po-1", "SETTLED", 1, T0.AddSeconds(10)) };
        var higherVersion = Order("po-1", "FROZEN", 9) with { PaymentOrder = OrderFact("po-1", "FROZEN", 9, T0.AddSeconds(5)) };

        Assert.Equal("SETTLED", Build(higherVersion, newerTime).PaymentOrder("po-1")!.Status);
        Assert.Equal("SETTLED", Build(newerTime, higherVersion).PaymentOrder("po-1")!.Status);
    }

    [Fact]
    public void A_versioned_event_beats_an_unversioned_one_in_either_order()
    {
        var unversioned = Leg("tx-1", "PAYMENT", "po-1", 10m) with { Ledger = LegFact("tx-1", "PAYMENT", "po-1", 10m) with { UpdatedAt = null, SourceVersion = null, Status = "UNVERSIONED" } };
        var versioned = Leg("tx-1", "PAYMENT", "po-1", 10m);

        Assert.Equal("POSTED", Build(unversioned, versioned).LedgerEntry("tx-1")!.Status);
        Assert.Equal("POSTED", Build(versioned, unversioned).LedgerEntry("tx-1")!.Status);
    }

    [Fact]
    public void An_exact_duplicate_changes_nothing()
    {
        var original = Leg("tx-1", "PAYMENT", "po-1", 10m);

        var once = Build(original);
        var twice = Build(original, original with { Kind = MessageKind.Duplicate });

        Assert.Equal(once.LedgerEntries, twice.LedgerEntries);
        Assert.Equal(once.Pairs, twice.Pairs);
        Assert.Equal(2, twice.Counts.Valid);
    }

    [Fact]
    public void Two_events_with_the_same_version_and_different_values_are_refused()
    {
        var builder = new OracleBuilder();
        builder.Add(Leg("tx-1", "PAYMENT", "po-1", 10m));

        var error = Assert.Throws<InvalidOperationException>(() => builder.Add(Leg("tx-1", "PAYMENT", "po-1", 11m)));

        Assert.Contains("tx-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_legs_with_equal_amounts_make_the_pair_complete()
    {
        var state = Build(Leg("tx-r", "RECEIVE", "po-1", 15000m), Leg("tx-p", "PAYMENT", "po-1", 15000m));

        var pair = state.Pair("po-1")!;
        Assert.Equal(new ExpectedPair("po-1", "PAYMENT_ORDER", "COMPLETE", null, "tx-p", "tx-r", 15000m, 15000m, "KRW", 2), pair);
        Assert.Same(pair, state.PairOf("tx-r"));
    }

    [Fact]
    public void A_withheld_receive_leg_leaves_the_pair_incomplete_waiting_for_receive()
    {
        var pair = Build(Leg("tx-p", "PAYMENT", "po-1", 10m)).Pair("po-1")!;

        Assert.Equal(("INCOMPLETE", "WAITING_FOR_RECEIVE", "tx-p", (string?)null, 1), (pair.PairingStatus, pair.PairingReason, pair.PaymentTxId, pair.ReceiveTxId, pair.LegCount));
    }

    [Fact]
    public void A_withheld_payment_leg_leaves_the_pair_incomplete_waiting_for_payment()
    {
        var pair = Build(Leg("tx-r", "RECEIVE", "po-1", 10m)).Pair("po-1")!;

        Assert.Equal(("INCOMPLETE", "WAITING_FOR_PAYMENT", (string?)null, "tx-r"), (pair.PairingStatus, pair.PairingReason, pair.PaymentTxId, pair.ReceiveTxId));
    }

    [Fact]
    public void Legs_with_different_amounts_make_the_pair_unknown_with_amount_mismatch()
    {
        var pair = Build(Leg("tx-p", "PAYMENT", "po-1", 10m), Leg("tx-r", "RECEIVE", "po-1", 10.01m)).Pair("po-1")!;

        Assert.Equal(("UNKNOWN", "AMOUNT_MISMATCH", 10m, 10.01m), (pair.PairingStatus, pair.PairingReason, pair.PaymentAmount!.Value, pair.ReceiveAmount!.Value));
    }

    [Fact]
    public void Amounts_equal_as_decimals_are_equal_whatever_their_scale()
    {
        var pair = Build(Leg("tx-p", "PAYMENT", "po-1", 10m), Leg("tx-r", "RECEIVE", "po-1", 10.00m)).Pair("po-1")!;

        Assert.Equal("COMPLETE", pair.PairingStatus);
    }

    [Fact]
    public void Two_payment_legs_make_the_pair_unknown_with_duplicate_leg_naming_only_the_single_receive()
    {
        var pair = Build(Leg("tx-p1", "PAYMENT", "po-1", 10m), Leg("tx-p2", "PAYMENT", "po-1", 10m), Leg("tx-r", "RECEIVE", "po-1", 10m)).Pair("po-1")!;

        Assert.Equal(new ExpectedPair("po-1", "PAYMENT_ORDER", "UNKNOWN", "DUPLICATE_LEG", null, "tx-r", null, 10m, "KRW", 3), pair);
    }

    [Fact]
    public void Legs_in_different_currencies_make_the_pair_unknown_with_currency_mismatch_even_when_amounts_differ()
    {
        var usd = Leg("tx-r", "RECEIVE", "po-1", 11m) with { Ledger = LegFact("tx-r", "RECEIVE", "po-1", 11m) with { Currency = "USD" } };

        var pair = Build(Leg("tx-p", "PAYMENT", "po-1", 10m), usd).Pair("po-1")!;

        Assert.Equal(("UNKNOWN", "CURRENCY_MISMATCH", (string?)null), (pair.PairingStatus, pair.PairingReason, pair.Currency));
    }

    [Fact]
    public void Pairing_uses_each_legs_final_version()
    {
        var pending = Leg("tx-r", "RECEIVE", "po-1", 99m, version: 1);
        var posted = Leg("tx-r", "RECEIVE", "po-1", 10m, version: 2);

        var pair = Build(posted, Leg("tx-p", "PAYMENT", "po-1", 10m), pending with { Kind = MessageKind.Stale }).Pair("po-1")!;

        Assert.Equal("COMPLETE", pair.PairingStatus);
    }

    [Fact]
    public void A_leg_without_related_id_has_no_pair_and_related_type_defaults_only_with_a_related_id()
    {
        var state = Build(Leg("tx-1", "PAYMENT", null, 10m), Leg("tx-2", "RECEIVE", "po-2", 10m));

        Assert.Null(state.PairOf("tx-1"));
        Assert.Null(state.LedgerEntry("tx-1")!.RelatedType);
        Assert.Equal("PAYMENT_ORDER", state.LedgerEntry("tx-2")!.RelatedType);
        Assert.Single(state.Pairs);
    }

    [Fact]
    public void Malformed_messages_and_tombstones_become_dlq_and_skip_expectations_with_their_positions()
    {
        var bad = new SimulatedMessage(_sequence++, StreamKind.Ledger, "tx-bad", "{"u8.ToArray(), MessageKind.Malformed, null, null, "INVALID_JSON", "truncated", null);
        var tombstone = new SimulatedMessage(_sequence++, StreamKind.PaymentOrder, "po-1", null, MessageKind.Tombstone, null, null, null, null, null);
        var positions = new Dictionary<long, MessagePosition> { [bad.Sequence] = new("bo.ledger-entries.v1", 3, 41), [tombstone.Sequence] = new("bo.payment-orders.v1", 0, 7) };

        var builder = new OracleBuilder();
        builder.AddRange([Leg("tx-1", "PAYMENT", "po-1", 1m), bad, tombstone]);
        var state = builder.Build(s => positions.GetValueOrDefault(s));

        Assert.Equal([new ExpectedDlqRow(bad.Sequence, "ledger", "tx-bad", "INVALID_JSON", "truncated", new("bo.ledger-entries.v1", 3, 41))], state.Dlq);
        Assert.Equal([new ExpectedSkip(tombstone.Sequence, "payment_order", "po-1", new("bo.payment-orders.v1", 0, 7))], state.Skipped);
        Assert.Null(state.LedgerEntry("tx-bad"));
        Assert.Equal((3L, 1L, 1L, 1L), (state.Counts.Messages, state.Counts.Valid, state.Counts.Dlq, state.Counts.Skipped));
        Assert.Equal(new ExpectedStreamCounts(2, 1, 1, 0, 0), state.Counts.ByStream["ledger"]);
    }

    [Fact]
    public void The_oracle_of_generated_traffic_does_not_depend_on_arrival_order()
    {
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 9, Payments = 400 }).Generate().ToList();
        var inOrder = Build(messages);

        var random = new Random(1);
        var shuffled = Build(messages.OrderBy(_ => random.Next()).ToList());
        var reversed = Build(Enumerable.Reverse(messages).ToList());

        foreach (var other in new[] { shuffled, reversed })
        {
            Assert.Equal(inOrder.LedgerEntries, other.LedgerEntries);
            Assert.Equal(inOrder.PaymentOrders, other.PaymentOrders);
            Assert.Equal(inOrder.Pairs, other.Pairs);
            Assert.Equal(inOrder.Counts.Valid, other.Counts.Valid);
        }
    }

    [Fact]
    public void The_oracle_of_generated_traffic_matches_the_planned_outcomes()
    {
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 9, Payments = 400 }).Generate().ToList();
        var state = Build(messages);
        var plans = messages.Select(m => m.Payment).OfType<PaymentPlan>().DistinctBy(p => p.Number).ToList();

        Assert.All(plans, plan =>
        {
            var order = state.PaymentOrder(plan.OrderId)!;
            var pair = state.Pair(plan.OrderId);
            switch (plan.Scenario)
            {
                case PaymentScenario.Settled:
                    Assert.Equal(("SETTLED", "COMPLETE", plan.PaymentTxId, plan.ReceiveTxId), (order.Status, pair!.PairingStatus, pair.PaymentTxId, pair.ReceiveTxId));
                    Assert.All(plan.SentTxIds, tx => Assert.Equal("POSTED", state.LedgerEntry(tx)!.Status));
                    break;
                case PaymentScenario.RolledBack:
                    Assert.Equal("ROLLED_BACK", order.Status);
                    Assert.Null(pair);
                    break;
                case PaymentScenario.LegWithheld:
                    var reason = plan.WithheldTxId == plan.PaymentTxId ? "WAITING_FOR_PAYMENT" : "WAITING_FOR_RECEIVE";
                    Assert.Equal(("FROZEN", "INCOMPLETE", reason), (order.Status, pair!.PairingStatus, pair.PairingReason));
                    Assert.Null(state.LedgerEntry(plan.WithheldTxId!));
                    break;
                case PaymentScenario.AmountMismatch:
                    Assert.Equal(("UNKNOWN", "AMOUNT_MISMATCH"), (pair!.PairingStatus, pair.PairingReason));
                    break;
            }
        });
        Assert.Equal(messages.Count(m => m.Kind == MessageKind.Malformed), state.Dlq.Count);
    }

    [Fact]
    public async Task The_oracle_file_round_trips()
    {
        var options = new TrafficOptions { Seed = 4, Payments = 100 };
        var builder = new OracleBuilder();
        builder.AddRange(new TrafficGenerator(options).Generate());
        var state = builder.Build(s => new MessagePosition("t", 1, s));
        var path = Path.Combine(Path.GetTempPath(), $"oracle-{Guid.NewGuid():N}.json");
        try
        {
            await OracleFile.WriteAsync(path, state, new OracleRun(options, null, false), TestContext.Current.CancellationToken);
            var read = await OracleFile.ReadAsync(path, TestContext.Current.CancellationToken);

            var back = read.ToExpectedState();
            Assert.Equal(state.LedgerEntries, back.LedgerEntries);
            Assert.Equal(state.PaymentOrders, back.PaymentOrders);
            Assert.Equal(state.Pairs, back.Pairs);
            Assert.Equal(state.Dlq, back.Dlq);
            Assert.Equal(state.Skipped, back.Skipped);
            Assert.Equal(state.Counts.ByStream, back.Counts.ByStream);
            Assert.Equal(options, read.Run.Generator);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ExpectedState Build(params IReadOnlyList<SimulatedMessage> messages)
    {
        var builder = new OracleBuilder();
        builder.AddRange(messages);
        return builder.Build();
    }

    private SimulatedMessage Order(string orderId, string status, long version, MessageKind kind = MessageKind.Version) =>
        new(_sequence++, StreamKind.PaymentOrder, orderId, [], kind, null, OrderFact(orderId, status, version, T0.AddSeconds(version)), null, null, null);

    private static PaymentOrderFact OrderFact(string orderId, string status, long version, DateTimeOffset updatedAt) =>
        new(orderId, status, 15000m, "KRW", "w-1", "w-2", T0, updatedAt, version, $"ev-{orderId}-{version}", null);

    private SimulatedMessage Leg(string txId, string entryType, string? relatedId, decimal amount, long version = 1) =>
        new(_sequence++, StreamKind.Ledger, txId, [], MessageKind.Version, LegFact(txId, entryType, relatedId, amount, version), null, null, null, null);

    private static LedgerFact LegFact(string txId, string entryType, string? relatedId, decimal amount, long version = 1) =>
        new(txId, entryType == "PAYMENT" ? "w-1" : "w-2", entryType, amount, "KRW", relatedId, null, "POSTED",
            T0, T0.AddSeconds(version), version, $"ev-{txId}-{version}", null);

    private static IEnumerable<IReadOnlyList<T>> Permutations<T>(IReadOnlyList<T> items) =>
        items.Count <= 1 ? [items] : items.SelectMany((item, i) => Permutations(items.Where((_, j) => j != i).ToList()).Select(rest => (IReadOnlyList<T>)[item, .. rest]));
}
