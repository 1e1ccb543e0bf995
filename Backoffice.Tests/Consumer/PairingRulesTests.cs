using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// The §4 rules as the product runs them (one SQL statement in the ledger write's transaction, on
/// PostgreSQL): every row of the table, the bookkeeping of a pair row over time, the changes
/// reported for the metrics, and random leg sets against the C# model of the spec.
/// </summary>
public sealed class PairingRulesTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly SyncBatchWriter _writer = new(database.DataSource, TimeProvider.System);
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    private string Po => $"po-{_id}";

    [Fact]
    public async Task One_payment_and_one_receive_with_equal_amount_and_currency_is_complete()
    {
        await Write(Leg("p", "PAYMENT", 15000m), Leg("r", "RECEIVE", 15000.00000000m));

        Assert.Equal(
            new ModelPair(RelatedTypes.PaymentOrder, PairingStatuses.Complete, null, $"{Po}-p", $"{Po}-r", 15000m, 15000m, "KRW", 2),
            PairingModel.Of(await Pair()));
    }

    [Fact]
    public async Task Only_a_payment_leg_is_incomplete_waiting_for_receive()
    {
        await Write(Leg("p", "PAYMENT", 10m));

        Assert.Equal(
            new ModelPair(RelatedTypes.PaymentOrder, PairingStatuses.Incomplete, PairingReasons.WaitingForReceive, $"{Po}-p", null, 10m, null, "KRW", 1),
            PairingModel.Of(await Pair()));
    }

    [Fact]
    public async Task Only_a_receive_leg_is_incomplete_waiting_for_payment()
    {
        await Write(Leg("r", "RECEIVE", 10m, "USD"));

        Assert.Equal(
            new ModelPair(RelatedTypes.PaymentOrder, PairingStatuses.Incomplete, PairingReasons.WaitingForPayment, null, $"{Po}-r", null, 10m, "USD", 1),
            PairingModel.Of(await Pair()));
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(0, 2)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 3)]
    public async Task More_than_one_leg_of_a_kind_is_unknown_duplicate_leg(int payments, int receives)
    {
        await Write([
            .. Enumerable.Range(0, payments).Select(i => Leg($"p{i}", "PAYMENT", 10m)),
            .. Enumerable.Range(0, receives).Select(i => Leg($"r{i}", "RECEIVE", 10m)),
        ]);

        var pair = await Pair();
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.DuplicateLeg, payments + receives), (pair.PairingStatus, pair.PairingReason, pair.LegCount));
        Assert.Equal(payments == 1 ? $"{Po}-p0" : null, pair.PaymentTxId);
        Assert.Equal(receives == 1 ? $"{Po}-r0" : null, pair.ReceiveTxId);
        Assert.Equal(payments == 1 ? 10m : null, pair.PaymentAmount);
    }

    [Fact]
    public async Task Both_legs_with_different_amounts_is_unknown_amount_mismatch()
    {
        await Write(Leg("p", "PAYMENT", 10m), Leg("r", "RECEIVE", 10.01m));

        Assert.Equal(
            new ModelPair(RelatedTypes.PaymentOrder, PairingStatuses.Unknown, PairingReasons.AmountMismatch, $"{Po}-p", $"{Po}-r", 10m, 10.01m, "KRW", 2),
            PairingModel.Of(await Pair()));
    }

    [Fact]
    public async Task Different_currencies_are_a_currency_mismatch_even_when_the_amounts_differ_too()
    {
        await Write(Leg("p", "PAYMENT", 10m, "KRW", key: "equal"), Leg("r", "RECEIVE", 10m, "USD", key: "equal"));
        await Write(Leg("p", "PAYMENT", 10m, "KRW", key: "differ"), Leg("r", "RECEIVE", 11m, "USD", key: "differ"));

        var equalAmounts = await Pair("equal");
        var differentAmounts = await Pair("differ");
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch, (string?)null), (equalAmounts.PairingStatus, equalAmounts.PairingReason, equalAmounts.Currency));
        Assert.Equal((PairingStatuses.Unknown, PairingReasons.CurrencyMismatch), (differentAmounts.PairingStatus, differentAmounts.PairingReason));
    }

    [Fact]
    public async Task An_absent_currency_matches_only_another_absent_currency()
    {
        await Write(Leg("p", "PAYMENT", 10m, null, key: "one"), Leg("r", "RECEIVE", 10m, "KRW", key: "one"));
        await Write(Leg("p", "PAYMENT", 10m, null, key: "both"), Leg("r", "RECEIVE", 10m, null, key: "both"));

        Assert.Equal(PairingReasons.CurrencyMismatch, (await Pair("one")).PairingReason);
        var both = await Pair("both");
        Assert.Equal((PairingStatuses.Complete, (string?)null), (both.PairingStatus, both.Currency));
    }

    [Fact]
    public async Task The_related_type_is_the_smallest_of_the_legs_by_code_point()
    {
        // Ordinal, not linguistic: 'Z' (0x5A) sorts before 'a' (0x61).
        await Write(Leg("p", "PAYMENT", 10m, relatedType: "acquirer"), Leg("r", "RECEIVE", 10m, relatedType: "ZZ_SETTLEMENT"));

        Assert.Equal("ZZ_SETTLEMENT", (await Pair()).RelatedType);
    }

    [Fact]
    public async Task A_new_pair_changes_from_NONE_and_starts_at_its_first_leg()
    {
        var commit = await Write(Leg("p", "PAYMENT", 10m));

        var change = Assert.Single(commit.PairChanges);
        Assert.Equal(new PairChange(Po, PairingStatuses.NoPair, PairingStatuses.Incomplete, null), change);
        var pair = await Pair();
        Assert.Equal(await FirstIngestedAt($"{Po}-p"), pair.FirstLegAt);
        Assert.Equal(pair.FirstLegAt, pair.StatusChangedAt);
        Assert.Null(pair.CompletedAt);
    }

    [Fact]
    public async Task Completing_a_pair_sets_completed_at_once_and_reports_the_time_since_the_first_leg()
    {
        await Write(Leg("p", "PAYMENT", 10m));
        var waiting = await Pair();
        await Task.Delay(50, TestContext.Current.CancellationToken);

        var commit = await Write(Leg("r", "RECEIVE", 10m));

        var complete = await Pair();
        Assert.Equal(waiting.FirstLegAt, complete.FirstLegAt);
        Assert.NotNull(complete.CompletedAt);
        Assert.Equal(complete.CompletedAt, complete.StatusChangedAt);
        Assert.Equal(await FirstIngestedAt($"{Po}-r"), complete.CompletedAt);
        var change = Assert.Single(commit.PairChanges);
        Assert.Equal((PairingStatuses.Incomplete, PairingStatuses.Complete), (change.From, change.To));
        Assert.Equal(complete.CompletedAt - complete.FirstLegAt, change.CompletedAfter);
        Assert.True(change.CompletedAfter >= TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_pair_that_leaves_COMPLETE_keeps_its_first_completion_time_and_reports_no_second_completion()
    {
        await Write(Leg("p", "PAYMENT", 10m, version: 1), Leg("r", "RECEIVE", 10m, version: 1));
        var complete = await Pair();

        var left = await Write(Leg("r", "RECEIVE", 12m, version: 2));
        var mismatch = await Pair();
        var back = await Write(Leg("r", "RECEIVE", 10m, version: 3));

        Assert.Equal((PairingStatuses.Unknown, PairingReasons.AmountMismatch), (mismatch.PairingStatus, mismatch.PairingReason));
        Assert.Equal(complete.CompletedAt, mismatch.CompletedAt);
        Assert.True(mismatch.StatusChangedAt > complete.StatusChangedAt);
        Assert.Equal(new PairChange(Po, PairingStatuses.Complete, PairingStatuses.Unknown, null), Assert.Single(left.PairChanges));
        Assert.Equal(new PairChange(Po, PairingStatuses.Unknown, PairingStatuses.Complete, null), Assert.Single(back.PairChanges));
        Assert.Equal(complete.CompletedAt, (await Pair()).CompletedAt);
    }

    [Fact]
    public async Task A_leg_update_that_leaves_the_pair_as_it_was_writes_nothing_and_reports_nothing()
    {
        await Write(Leg("p", "PAYMENT", 10m, version: 1), Leg("r", "RECEIVE", 10m, version: 1));
        var before = await Pair();

        // A newer version of a leg (another status) recomputes the pair, which stays the same.
        var commit = await Write(WritePath.Ledger($"{Po}-p", "PAYMENT", 10m, relatedId: Po, version: 2, status: "SETTLED"));

        Assert.Empty(commit.PairChanges);
        Assert.Equivalent(before, await Pair(), strict: true);
        Assert.Equal(before.StatusChangedAt, (await Pair()).StatusChangedAt);
    }

    [Fact]
    public async Task A_reason_change_within_a_status_keeps_status_changed_at_and_is_reported_as_no_status_change()
    {
        await Write(Leg("p", "PAYMENT", 10m, version: 1));
        var before = await Pair();

        // The only leg changes kind: still INCOMPLETE, now waiting for the payment.
        var commit = await Write(Leg("p", "RECEIVE", 10m, version: 2));

        var after = await Pair();
        Assert.Equal((PairingStatuses.Incomplete, PairingReasons.WaitingForPayment), (after.PairingStatus, after.PairingReason));
        Assert.Equal(before.StatusChangedAt, after.StatusChangedAt);
        var change = Assert.Single(commit.PairChanges);
        Assert.False(change.StatusChanged);
    }

    [Fact]
    public async Task A_key_whose_last_leg_moved_away_loses_its_pair_row_and_reports_NONE()
    {
        await Write(Leg("p", "PAYMENT", 10m, version: 1));

        var commit = await Write(WritePath.Ledger($"{Po}-p", "PAYMENT", 10m, relatedId: $"{Po}-other", version: 2));

        await using var db = database.CreateDbContext();
        Assert.False(await db.PaymentLedgerPairs.AnyAsync(p => p.RelatedId == Po, TestContext.Current.CancellationToken));
        Assert.Equal(
            [new PairChange(Po, PairingStatuses.Incomplete, PairingStatuses.NoPair, null), new PairChange($"{Po}-other", PairingStatuses.NoPair, PairingStatuses.Incomplete, null)],
            commit.PairChanges.OrderBy(c => c.RelatedId, StringComparer.Ordinal));
    }

    /// <summary>
    /// Random leg sets (kinds, amounts at different scales, currencies with absent ones, related
    /// types), written in random batch splits and then partly rewritten with newer versions: after
    /// every batch each key's pair row is what the C# model of §4 says, and the changes the write
    /// reported are exactly the status transitions between the rows before and after.
    /// </summary>
    [Fact]
    public async Task Random_leg_sets_end_as_the_model_of_the_spec_says_with_every_change_reported()
    {
        const int Seeds = 40;
        decimal[] amounts = [10m, 10.00m, 10.5m, 0m, 99999999.12345678m];
        string?[] currencies = ["KRW", "KRW", "USD", null];
        string[] types = [RelatedTypes.PaymentOrder, RelatedTypes.PaymentOrder, "REFUND", "escrow"];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var random = new Random(seed);
            var keys = Enumerable.Range(0, 4).Select(k => $"{Po}-s{seed}-k{k}").ToList();
            var legs = new Dictionary<string, (string RelatedId, ModelLeg Leg, long Version)>(StringComparer.Ordinal);
            (BatchItem Item, string TxId, (string RelatedId, ModelLeg Leg, long Version) Stored) Version(string txId, string relatedId, long version)
            {
                var leg = new ModelLeg(txId, random.Next(2) == 0 ? "PAYMENT" : "RECEIVE", amounts[random.Next(amounts.Length)], currencies[random.Next(currencies.Length)], types[random.Next(types.Length)]);
                return (WritePath.Ledger(txId, leg.EntryType, leg.Amount, leg.Currency, relatedId, version: version, relatedType: leg.RelatedType), txId, (relatedId, leg, version));
            }

            var round = 0;
            var pending = Enumerable.Range(0, 2 + random.Next(7)).Select(i => Version($"{Po}-s{seed}-tx{i}", keys[random.Next(keys.Count)], 1)).ToList();
            while (pending.Count > 0)
            {
                var before = await Pairs(keys);
                var size = 1 + random.Next(pending.Count);
                var commit = await Write([.. pending.Take(size).Select(p => p.Item)]);
                foreach (var (_, txId, stored) in pending.Take(size))
                {
                    legs[txId] = stored;
                }

                pending.RemoveRange(0, size);

                var expected = keys.ToDictionary(k => k, k => PairingModel.Expected([.. legs.Values.Where(l => l.RelatedId == k).Select(l => l.Leg)]));
                var after = await Pairs(keys);
                foreach (var key in keys)
                {
                    Assert.True(
                        Equals(expected[key], after.GetValueOrDefault(key) is { } row ? PairingModel.Of(row) : null),
                        $"seed {seed}, round {round}, {key}: expected {expected[key]}, stored {after.GetValueOrDefault(key)?.PairingStatus}/{after.GetValueOrDefault(key)?.PairingReason}/{after.GetValueOrDefault(key)?.LegCount}");
                }

                var transitions = keys
                    .Select(k => (Key: k, From: before.GetValueOrDefault(k)?.PairingStatus ?? PairingStatuses.NoPair, To: after.GetValueOrDefault(k)?.PairingStatus ?? PairingStatuses.NoPair))
                    .Where(t => t.From != t.To)
                    .ToList();
                Assert.Equal(transitions, commit.PairChanges.Where(c => c.StatusChanged).Select(c => (Key: c.RelatedId, c.From, c.To)).OrderBy(t => t.Key, StringComparer.Ordinal));

                // Half of the time, newer versions of some legs follow (other kind, amount, currency, or key).
                if (pending.Count == 0 && round++ < 3 && random.Next(2) == 0)
                {
                    pending = legs.Keys.Where(_ => random.Next(3) == 0)
                        .Select(tx => Version(tx, random.Next(4) == 0 ? keys[random.Next(keys.Count)] : legs[tx].RelatedId, legs[tx].Version + 1))
                        .ToList();
                }
            }
        }
    }

    private BatchItem Leg(string leg, string entryType, decimal amount, string? currency = "KRW", string? key = null, long? version = null, string? relatedType = null) =>
        WritePath.Ledger($"{Po}{(key is null ? "" : "-" + key)}-{leg}", entryType, amount, currency, relatedId: key is null ? Po : $"{Po}-{key}", version: version, relatedType: relatedType);

    private async Task<BatchCommit> Write(params BatchItem[] items) => await _writer.WriteAsync(items, null, TestContext.Current.CancellationToken);

    private async Task<PaymentLedgerPair> Pair(string? key = null)
    {
        var relatedId = key is null ? Po : $"{Po}-{key}";
        await using var db = database.CreateDbContext();
        return await db.PaymentLedgerPairs.AsNoTracking().SingleAsync(p => p.RelatedId == relatedId, TestContext.Current.CancellationToken);
    }

    private async Task<Dictionary<string, PaymentLedgerPair>> Pairs(IReadOnlyList<string> keys)
    {
        await using var db = database.CreateDbContext();
        return await db.PaymentLedgerPairs.AsNoTracking().Where(p => keys.Contains(p.RelatedId)).ToDictionaryAsync(p => p.RelatedId, TestContext.Current.CancellationToken);
    }

    private async Task<DateTimeOffset> FirstIngestedAt(string txId)
    {
        await using var db = database.CreateDbContext();
        return await db.LedgerEntries.AsNoTracking().Where(e => e.TxId == txId).Select(e => e.FirstIngestedAt).SingleAsync(TestContext.Current.CancellationToken);
    }
}
