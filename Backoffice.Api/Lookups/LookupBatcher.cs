using System.Diagnostics;
using System.Threading.Channels;
using Backoffice.Api.Telemetry;
using Backoffice.Data;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Api.Lookups;

/// <summary>
/// Lets concurrent lookups by key share one query: a lookup that finds no query running starts
/// one at once, alone (so on a quiet API it waits for nothing); otherwise it joins the next query a
/// running one starts when it finishes, up to <c>maxBatch</c> keys, unless lookups have recently
/// had their queries to themselves (mean batch below 1.5) or every running query has run for
/// longer than <see cref="StallAfter"/>, when it may start one of up to <c>maxInFlight</c> at once.
/// Under saturation, when lookups arrive faster than queries finish, a further query would only
/// split the next batch: the API then shares as much as one slot would, while a quiet API keeps
/// its spare slots for latency and a stalled query (a cold page, a lock) does not hold up the
/// lookups behind it (docs/benchmarks.md, "Lookups, 2026-12-07, adaptive query slots").
/// Each query is an ordinary command on its own pooled context, so the connection's command
/// timeout and server-side cancel apply to it as to any lookup, and its failure (a timeout
/// included) is every waiting lookup's failure. What it saves is the round trip per lookup: on two
/// cores shared with PostgreSQL, sharing cut the API's CPU per request at saturation by 39 %
/// (docs/benchmarks.md, "Lookups, 2026-12-07, later").
/// </summary>
internal sealed class LookupBatcher<TRow>(
    IDbContextFactory<BoDbContext> contexts,
    TimeProvider timeProvider,
    Func<BoDbContext, string[], IAsyncEnumerable<TRow>> query,
    Func<TRow, string> keyOf,
    int maxBatch,
    int maxInFlight,
    string spanName)
    where TRow : class
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    /// <summary>A further slot opens only while the recent mean batch is below this many lookups.</summary>
    private const double QuietBatch = 1.5;

    /// <summary>
    /// A query running this long is stalled, not busy: at saturation on the reference machine a
    /// shared query's wait and run took 4–5 ms at p95.
    /// </summary>
    internal static readonly TimeSpan StallAfter = TimeSpan.FromMilliseconds(10);

    private int _inFlight;
    // Moving mean of the lookups per query, each query weighing 1/8. Two queries starting at once
    // may lose one update: it is a load signal, and the next query corrects it.
    private double _recentBatch = 1;
    private long _lastStartTimestamp;

    /// <summary>How many queries are running now (tests of the slot rule).</summary>
    internal int RunningQueries => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The row with <paramref name="key"/>, or null. <paramref name="cancellationToken"/> stops only
    /// this caller's wait: the shared query runs on, bounded by its command timeout.
    /// </summary>
    public Task<TRow?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var pending = new Pending(key, Activity.Current?.Context ?? default);
        _queue.Writer.TryWrite(pending);
        TryStartQuery();
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    private void TryStartQuery()
    {
        var running = Volatile.Read(ref _inFlight);
        while (running < maxInFlight && (running == 0 || IsQuiet() || IsStalled()))
        {
            var seen = Interlocked.CompareExchange(ref _inFlight, running + 1, running);
            if (seen == running)
            {
                _ = RunQueriesAsync();
                return;
            }

            running = seen;
        }
    }

    private bool IsQuiet() => Volatile.Read(ref _recentBatch) < QuietBatch;

    /// <summary>Even the most recently started query has been running for longer than <see cref="StallAfter"/>.</summary>
    private bool IsStalled() => timeProvider.GetElapsedTime(Volatile.Read(ref _lastStartTimestamp)) > StallAfter;

    private async Task RunQueriesAsync()
    {
        // Not the starting request's trace: each query's span names its own parent (below).
        Activity.Current = null;
        var batch = new List<Pending>(maxBatch);
        try
        {
            while (true)
            {
                batch.Clear();
                while (batch.Count < maxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                if (batch.Count == 0)
                {
                    return;
                }

                var recent = Volatile.Read(ref _recentBatch);
                Volatile.Write(ref _recentBatch, recent + (batch.Count - recent) / 8);
                Volatile.Write(ref _lastStartTimestamp, timeProvider.GetTimestamp());
                await QueryAsync(batch);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            // A lookup queued after the last read above started no query (every slot it may use was taken): start one for it.
            if (_queue.Reader.TryPeek(out _))
            {
                TryStartQuery();
            }
        }
    }

    private async Task QueryAsync(List<Pending> batch)
    {
        // The first lookup's trace holds the query (and Npgsql's span under it); the others link to it.
        var source = ApiTracing.Source;
        using var span = source.StartActivity(spanName, ActivityKind.Internal, batch[0].Trace,
            links: batch.Count == 1 || !source.HasListeners()
                ? null
                : batch.Skip(1).Where(p => p.Trace != default).Select(p => new ActivityLink(p.Trace)));
        span?.SetTag("bo.batch_size", batch.Count);
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            var keys = batch.Select(p => p.Key).Distinct(StringComparer.Ordinal).ToArray();
            var rows = new Dictionary<string, TRow>(keys.Length, StringComparer.Ordinal);
            await foreach (var row in query(db, keys))
            {
                rows[keyOf(row)] = row;
            }

            foreach (var pending in batch)
            {
                pending.Result.TrySetResult(rows.GetValueOrDefault(pending.Key));
            }
        }
        catch (Exception exception)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(exception);
            }
        }
    }

    private sealed record Pending(string Key, ActivityContext Trace)
    {
        public TaskCompletionSource<TRow?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
