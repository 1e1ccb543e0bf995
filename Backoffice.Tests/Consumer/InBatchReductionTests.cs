using Backoffice.SyncConsumer.Ingest;

namespace Backoffice.Tests.Consumer;

public sealed class InBatchReductionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_newest_version_in_a_batch_wins_and_the_others_are_stale()
    {
        var reduced = Reduce(("a", T0.AddSeconds(1), null, "v2"), ("a", T0.AddSeconds(2), null, "v3"), ("a", T0, null, "v1"));

        var group = Assert.Single(reduced);
        Assert.Equal("v3", group.Winner.Name);
        Assert.Equal([("v2", MessageResult.Stale), ("v1", MessageResult.Stale)], group.Losers.Select(l => (l.Event.Name, l.Result)));
    }

    [Fact]
    public void The_same_version_twice_in_a_batch_keeps_the_first_and_counts_a_duplicate()
    {
        var reduced = Reduce(("a", null, 7L, "first"), ("a", null, 7L, "again"));

        var group = Assert.Single(reduced);
        Assert.Equal("first", group.Winner.Name);
        Assert.Equal([("again", MessageResult.Duplicate)], group.Losers.Select(l => (l.Event.Name, l.Result)));
    }

    [Fact]
    public void Unversioned_events_in_a_batch_fall_back_to_arrival_order()
    {
        var reduced = Reduce(("a", null, null, "first"), ("a", null, null, "second"));

        Assert.Equal("second", Assert.Single(reduced).Winner.Name);
    }

    [Fact]
    public void A_versioned_event_beats_a_later_unversioned_one_in_a_batch()
    {
        var reduced = Reduce(("a", null, 1L, "versioned"), ("a", null, null, "unversioned"));

        var group = Assert.Single(reduced);
        Assert.Equal("versioned", group.Winner.Name);
        Assert.Equal(MessageResult.Stale, Assert.Single(group.Losers).Result);
    }

    [Fact]
    public void Updated_at_decides_before_source_version()
    {
        var reduced = Reduce(("a", T0.AddSeconds(1), 1L, "newer-time"), ("a", T0, 99L, "higher-version"));

        Assert.Equal("newer-time", Assert.Single(reduced).Winner.Name);
    }

    [Fact]
    public void Keys_are_reduced_independently_in_first_arrival_order()
    {
        var reduced = Reduce(("b", null, 1L, "b1"), ("a", null, 1L, "a1"), ("b", null, 2L, "b2"));

        Assert.Equal(["b2", "a1"], reduced.Select(r => r.Winner.Name));
    }

    private sealed record Event(string Key, DateTimeOffset? UpdatedAt, long? SourceVersion, string Name);

    private static IReadOnlyList<InBatchReduction.Reduced<Event>> Reduce(params (string Key, DateTimeOffset? U, long? S, string Name)[] events) =>
        InBatchReduction.Reduce(events.Select(e => new Event(e.Key, e.U, e.S, e.Name)).ToList(), e => e.Key, e => e.UpdatedAt, e => e.SourceVersion);
}
