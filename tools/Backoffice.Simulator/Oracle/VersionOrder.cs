namespace Backoffice.Simulator.Oracle;

/// <summary>
/// The version order of §3, written independently of the consumer: <c>K = (U, S, I)</c> compared
/// lexicographically, an absent key being −∞. <c>I</c> (ingestion time) only orders events that
/// have neither <c>U</c> nor <c>S</c>; the oracle never needs it because it refuses to predict
/// entities whose final state would depend on arrival order.
/// </summary>
public static class VersionOrder
{
    /// <summary>Negative, zero or positive as version <c>(u1, s1)</c> is older than, equal to or newer than <c>(u2, s2)</c>.</summary>
    public static int Compare(DateTimeOffset? u1, long? s1, DateTimeOffset? u2, long? s2)
    {
        var byTime = CompareAbsentFirst(u1 is { } a ? StoredTicks(a) : null, u2 is { } b ? StoredTicks(b) : null);
        return byTime != 0 ? byTime : CompareAbsentFirst(s1, s2);
    }

    public static bool IsVersioned(DateTimeOffset? updatedAt, long? sourceVersion) => updatedAt is not null || sourceVersion is not null;

    /// <summary>The database keeps microseconds (§2.3), so two times equal to the microsecond are one version.</summary>
    public static DateTimeOffset Stored(DateTimeOffset time) => new(StoredTicks(time), TimeSpan.Zero);

    private static long StoredTicks(DateTimeOffset time) => time.UtcTicks - (time.UtcTicks % (TimeSpan.TicksPerMillisecond / 1000));

    private static int CompareAbsentFirst(long? x, long? y) => (x, y) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        _ => x.Value.CompareTo(y.Value),
    };
}
