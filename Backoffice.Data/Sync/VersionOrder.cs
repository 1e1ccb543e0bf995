namespace Backoffice.Data.Sync;

/// <summary>
/// The version order of §3, defined once: <c>K = (U, S, I)</c> compared lexicographically, with
/// <c>U</c> = <c>updated_at</c> or −∞, <c>S</c> = <c>source_version</c> or −∞, and <c>I</c> =
/// <c>ingested_at</c> only when both <c>U</c> and <c>S</c> are absent, otherwise −∞.
/// The upserts apply an incoming event iff <c>K(incoming) &gt; K(stored)</c> with <see cref="IsNewer"/>;
/// <see cref="VersionKey"/> is the same order in C# for reducing in-batch duplicates, and a test
/// checks that both agree on random pairs.
/// </summary>
public static class VersionOrder
{
    /// <summary>−∞ for <c>S</c>. Contract versions are ≥ 0, so no real version can reach it.</summary>
    private const string MinSourceVersion = "'-9223372036854775808'::bigint";

    /// <summary>The SQL row value of <c>K</c> for the given column expressions.</summary>
    public static string Key(string updatedAt, string sourceVersion, string ingestedAt) =>
        $"ROW(COALESCE({updatedAt}, '-infinity'::timestamptz), COALESCE({sourceVersion}, {MinSourceVersion}), " +
        $"CASE WHEN {updatedAt} IS NULL AND {sourceVersion} IS NULL THEN {ingestedAt} ELSE '-infinity'::timestamptz END)";

    /// <summary><c>K</c> of a row (table alias or <c>excluded</c>) with the usual column names.</summary>
    public static string KeyOf(string alias) => Key($"{alias}.updated_at", $"{alias}.source_version", $"{alias}.ingested_at");

    /// <summary>The upsert condition: <c>K(incoming) &gt; K(stored)</c>.</summary>
    public static string IsNewer(string incomingAlias, string storedAlias) => $"{KeyOf(incomingAlias)} > {KeyOf(storedAlias)}";
}

/// <summary>
/// <c>K = (U, S, I)</c> of §3 in C#. Absent components are −∞; <see cref="IngestedAt"/> only counts
/// when the event carries neither version key. Timestamps are compared at microsecond precision,
/// the precision PostgreSQL stores.
/// </summary>
public readonly struct VersionKey : IComparable<VersionKey>, IEquatable<VersionKey>
{
    public VersionKey(DateTimeOffset? updatedAt, long? sourceVersion, DateTimeOffset ingestedAt)
    {
        UpdatedAt = updatedAt;
        SourceVersion = sourceVersion;
        IngestedAt = ingestedAt;
    }

    public DateTimeOffset? UpdatedAt { get; }

    public long? SourceVersion { get; }

    public DateTimeOffset IngestedAt { get; }

    /// <summary>True when the event has <c>updated_at</c> or <c>source_version</c>.</summary>
    public bool IsVersioned => UpdatedAt is not null || SourceVersion is not null;

    private long? EffectiveIngestedMicros => IsVersioned ? null : Micros(IngestedAt);

    public static bool operator ==(VersionKey left, VersionKey right) => left.Equals(right);

    public static bool operator !=(VersionKey left, VersionKey right) => !left.Equals(right);

    public static bool operator <(VersionKey left, VersionKey right) => left.CompareTo(right) < 0;

    public static bool operator <=(VersionKey left, VersionKey right) => left.CompareTo(right) <= 0;

    public static bool operator >(VersionKey left, VersionKey right) => left.CompareTo(right) > 0;

    public static bool operator >=(VersionKey left, VersionKey right) => left.CompareTo(right) >= 0;

    public int CompareTo(VersionKey other)
    {
        var byUpdatedAt = CompareAbsentFirst(Micros(UpdatedAt), Micros(other.UpdatedAt));
        if (byUpdatedAt != 0)
        {
            return byUpdatedAt;
        }

        var bySourceVersion = CompareAbsentFirst(SourceVersion, other.SourceVersion);
        return bySourceVersion != 0 ? bySourceVersion : CompareAbsentFirst(EffectiveIngestedMicros, other.EffectiveIngestedMicros);
    }

    public bool Equals(VersionKey other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is VersionKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Micros(UpdatedAt), SourceVersion, EffectiveIngestedMicros);

    public override string ToString() =>
        $"(U={UpdatedAt?.ToString("O") ?? "-inf"}, S={SourceVersion?.ToString() ?? "-inf"}, I={(IsVersioned ? "-inf" : IngestedAt.ToString("O"))})";

    private static long? Micros(DateTimeOffset? value) => value is { } v ? v.UtcTicks / TimeSpan.TicksPerMicrosecond : null;

    private static int CompareAbsentFirst(long? left, long? right) => (left, right) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        var (l, r) => l.Value.CompareTo(r.Value),
    };
}
