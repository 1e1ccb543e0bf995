using Backoffice.Data.Sync;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// Reduces events that share a key within one batch to the one the stored row would end with had
/// they been written one by one (§3, §5). The order is <see cref="VersionKey"/>; events with neither
/// version key all get the same ingestion time in one transaction, so arrival order decides among
/// them (the later one wins, as it would in two transactions).
/// </summary>
public static class InBatchReduction
{
    /// <summary>A reduced group: the event to write and the events it supersedes, each with its result.</summary>
    public sealed record Reduced<T>(T Winner, IReadOnlyList<(T Event, MessageResult Result)> Losers);

    /// <param name="events">Events in arrival order.</param>
    public static IReadOnlyList<Reduced<T>> Reduce<T>(
        IReadOnlyList<T> events,
        Func<T, string> keyOf,
        Func<T, DateTimeOffset?> updatedAtOf,
        Func<T, long?> sourceVersionOf)
    {
        var groups = new Dictionary<string, List<(T Event, int Arrival)>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < events.Count; i++)
        {
            var key = keyOf(events[i]);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
                order.Add(key);
            }

            group.Add((events[i], i));
        }

        var reduced = new List<Reduced<T>>(order.Count);
        foreach (var key in order)
        {
            var group = groups[key];
            if (group.Count == 1)
            {
                reduced.Add(new Reduced<T>(group[0].Event, []));
                continue;
            }

            // Same transaction, same ingestion time: I ties for every unversioned event.
            var keys = group.Select(e => new VersionKey(updatedAtOf(e.Event), sourceVersionOf(e.Event), DateTimeOffset.UnixEpoch)).ToList();
            var winner = 0;
            for (var i = 1; i < group.Count; i++)
            {
                var comparison = keys[i].CompareTo(keys[winner]);
                // Equal versioned keys are one event delivered twice: the first stays. Equal
                // unversioned keys fall back to arrival order: the later one wins.
                if (comparison > 0 || (comparison == 0 && !keys[i].IsVersioned))
                {
                    winner = i;
                }
            }

            var losers = new List<(T, MessageResult)>(group.Count - 1);
            for (var i = 0; i < group.Count; i++)
            {
                if (i != winner)
                {
                    var duplicate = keys[i].IsVersioned && keys[i] == keys[winner];
                    losers.Add((group[i].Event, duplicate ? MessageResult.Duplicate : MessageResult.Stale));
                }
            }

            reduced.Add(new Reduced<T>(group[winner].Event, losers));
        }

        return reduced;
    }
}
