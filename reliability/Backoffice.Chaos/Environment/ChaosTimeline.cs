using System.Diagnostics;
using System.Globalization;

namespace Backoffice.Chaos.Environment;

/// <summary>One thing that happened during a run, <see cref="AtSeconds"/> after it started.</summary>
public sealed record TimelineEntry(double AtSeconds, string Event);

/// <summary>
/// What a run did and when (faults, kills, restarts, checks): kept for the JSON summary and echoed
/// as it happens (stderr for the command, the test output in tests).
/// </summary>
public sealed class ChaosTimeline(Action<string>? echo = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly List<TimelineEntry> _entries = [];

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<TimelineEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public void Note(string text)
    {
        var entry = new TimelineEntry(Math.Round(_clock.Elapsed.TotalSeconds, 2), text);
        lock (_gate)
        {
            _entries.Add(entry);
        }

        echo?.Invoke(string.Create(CultureInfo.InvariantCulture, $"[{entry.AtSeconds,8:F2}s] {text}"));
    }
}
