using System.Diagnostics;
using System.Threading.Channels;
using Backoffice.Api.Telemetry;
using Backoffice.Data;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Api.Lookups;

/// <summary>
/// Lets concurrent lookups by key share one query: a lookup that finds fewer than
/// <c>maxInFlight</c> queries running starts one at once (alone, when the API is quiet, so it waits
/// for nothing); otherwise it joins the next query a running one starts when it finishes, up to
/// <c>maxBatch</c> keys. Each query is an ordinary command on its own pooled context, so the
/// connection's command timeout and server-side cancel apply to it as to any lookup, and its
/// failure (a timeout included) is every waiting lookup's failure. What it saves is the round trip
/// per lookup: on two cores shared with PostgreSQL, sharing cut the API's CPU per request at
/// saturation by 39 % (docs/benchmarks.md, "Lookups, 2026-12-07, later").
/// </summary>
internal sealed class LookupBatcher<TRow>(
    IDbContextFactory<BoDbContext> contexts,
    Func<BoDbContext, string[], IAsyncEnumerable<TRow>> query,
    Func<TRow, string> keyOf,
    int maxBatch,
    int maxInFlight,
    string spanName)
    where TRow : class
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private int _inFlight;

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
        while (running < maxInFlight)
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

                await QueryAsync(batch);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            // A lookup queued after the last read above found every slot taken: start one for it.
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
