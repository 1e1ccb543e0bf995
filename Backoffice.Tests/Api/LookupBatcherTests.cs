using System.Collections.Concurrent;
using Backoffice.Api.Lookups;
using Backoffice.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Backoffice.Tests.Api;

/// <summary>
/// When a transaction lookup starts its own query and when it waits to share the next one
/// (<see cref="LookupBatcher{TRow}"/>, two slots). The query is a stand-in that holds each
/// execution until the test releases it, and the clock is the test's, so the moments the rule
/// decides on are the test's own;
/// what callers receive from real shared queries is in <see cref="SharedTxQueryTests"/>.
/// </summary>
public sealed class LookupBatcherTests
{
    private readonly GatedQuery _query = new();
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public Task On_a_quiet_api_a_lookup_starts_its_own_query_next_to_a_running_single_lookup() =>
        AssertTwoLookupsRunSideBySideAsync(Batcher(), firstExecution: 0);

    [Fact]
    public async Task Under_saturation_a_new_lookup_waits_for_the_next_shared_query_and_a_quiet_api_gets_its_spare_slot_back()
    {
        var batcher = Batcher();
        var earlier = await SaturateAsync(batcher);

        // A slot is free, but lookups have just been arriving faster than queries finish: this one
        // joins the next query rather than splitting it by running alone now.
        var late = batcher.FindAsync("late", CancellationToken.None);

        Assert.Equal(1, batcher.RunningQueries);
        Assert.False(late.IsCompleted);
        _query.Release(2);
        Assert.Equal(["late"], await _query.ExecutionAsync(3));
        _query.Release(3);
        Assert.Equal("row-late", (await late)?.Value);
        await AssertAnsweredAsync(earlier);

        // Lookups one at a time (a quiet API) bring the second slot back.
        var execution = 4;
        for (var i = 0; i < 8; i++)
        {
            _query.Release(execution++);
            Assert.Equal($"row-s{i}", (await batcher.FindAsync($"s{i}", CancellationToken.None))?.Value);
        }

        await WaitUntilAsync(() => batcher.RunningQueries == 0);
        await AssertTwoLookupsRunSideBySideAsync(batcher, execution);
    }

    [Fact]
    public async Task Under_saturation_a_stalled_query_does_not_hold_up_the_lookups_behind_it()
    {
        var batcher = Batcher();
        var earlier = await SaturateAsync(batcher);
        var waiting = batcher.FindAsync("waiting", CancellationToken.None);
        Assert.Equal(1, batcher.RunningQueries);

        // The shared query has now run for longer than a busy one would: the spare slot opens and
        // takes every lookup waiting behind it.
        _clock.Advance(LookupBatcher<Row>.StallAfter + TimeSpan.FromMilliseconds(1));
        var next = batcher.FindAsync("next", CancellationToken.None);

        Assert.Equal(2, batcher.RunningQueries);
        Assert.Equal(["waiting", "next"], await _query.ExecutionAsync(3));
        _query.Release(3);
        Assert.Equal(["row-waiting", "row-next"], (await Task.WhenAll(waiting, next)).Select(row => row?.Value));
        Assert.False(earlier[^1].IsCompleted);
        _query.ReleaseAll();
        await AssertAnsweredAsync(earlier);
    }

    /// <summary>
    /// Two lookups fill both slots, eight more wait and share the next query (execution 2), which is
    /// left running alone: the state of an API whose lookups arrive faster than queries finish.
    /// Returns the ten lookups, in order.
    /// </summary>
    private async Task<List<Task<Row?>>> SaturateAsync(LookupBatcher<Row> batcher)
    {
        var lookups = new List<Task<Row?>>
        {
            batcher.FindAsync("a", CancellationToken.None),
            batcher.FindAsync("b", CancellationToken.None),
        };
        string[] queued = ["q0", "q1", "q2", "q3", "q4", "q5", "q6", "missing"];
        lookups.AddRange(queued.Select(key => batcher.FindAsync(key, CancellationToken.None)));
        await _query.ExecutionAsync(1);
        _query.Release(0);
        Assert.Equal(queued, await _query.ExecutionAsync(2));
        _query.Release(1);
        await WaitUntilAsync(() => batcher.RunningQueries == 1);
        return lookups;
    }

    /// <summary>With no query running, two lookups in a row each start a query of their own, at once.</summary>
    private async Task AssertTwoLookupsRunSideBySideAsync(LookupBatcher<Row> batcher, int firstExecution)
    {
        var first = batcher.FindAsync("x", CancellationToken.None);
        var second = batcher.FindAsync("y", CancellationToken.None);

        Assert.Equal(2, batcher.RunningQueries);
        Assert.Equal(["x"], await _query.ExecutionAsync(firstExecution));
        Assert.Equal(["y"], await _query.ExecutionAsync(firstExecution + 1));
        _query.ReleaseAll();
        Assert.Equal("row-x", (await first)?.Value);
        Assert.Equal("row-y", (await second)?.Value);
    }

    private static async Task AssertAnsweredAsync(List<Task<Row?>> earlier) =>
        Assert.Equal(
            ["row-a", "row-b", "row-q0", "row-q1", "row-q2", "row-q3", "row-q4", "row-q5", "row-q6", null],
            (await Task.WhenAll(earlier)).Select(row => row?.Value));

    private LookupBatcher<Row> Batcher() =>
        new(new UnusedContexts(), _clock, _query.RunAsync, static row => row.Key, maxBatch: 64, maxInFlight: 2, "test query");

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(5);
        }
    }

    private sealed record Row(string Key, string Value);

    /// <summary>Each execution records its keys and answers (every key but "missing") once released.</summary>
    private sealed class GatedQuery
    {
        private readonly ConcurrentDictionary<int, Execution> _executions = new();
        private int _count;

        public async IAsyncEnumerable<Row> RunAsync(BoDbContext db, string[] keys)
        {
            var execution = Get(Interlocked.Increment(ref _count) - 1);
            execution.Keys.TrySetResult(keys);
            await execution.Gate.Task;
            foreach (var key in keys.Where(k => k != "missing"))
            {
                yield return new Row(key, $"row-{key}");
            }
        }

        public Task<string[]> ExecutionAsync(int index) => Get(index).Keys.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Release(int index) => Get(index).Gate.TrySetResult();

        public void ReleaseAll()
        {
            for (var i = 0; i < 32; i++)
            {
                Release(i);
            }
        }

        private Execution Get(int index) => _executions.GetOrAdd(index, _ => new Execution());

        private sealed class Execution
        {
            public TaskCompletionSource<string[]> Keys { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Contexts that are created and disposed but never connect: the stand-in query ignores them.</summary>
    private sealed class UnusedContexts : IDbContextFactory<BoDbContext>
    {
        public BoDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<BoDbContext>().UseNpgsql("Host=unused.invalid").Options);
    }
}
