using Backoffice.Data.Sync;

namespace Backoffice.Tests.Consumer;

/// <summary>The C# side of the version order; <see cref="VersionOrderAgreementTests"/> checks it against the SQL.</summary>
public sealed class VersionKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Newer_updated_at_wins_whatever_the_source_version()
    {
        Assert.True(new VersionKey(T0.AddTicks(10), 1, T0) > new VersionKey(T0, 99, T0));
    }

    [Fact]
    public void Equal_updated_at_falls_to_source_version()
    {
        Assert.True(new VersionKey(T0, 2, T0) > new VersionKey(T0, 1, T0));
    }

    [Fact]
    public void A_versioned_key_beats_an_unversioned_one_whatever_the_ingestion_time()
    {
        Assert.True(new VersionKey(null, 0, T0) > new VersionKey(null, null, T0.AddYears(1)));
        Assert.True(new VersionKey(T0.AddYears(-10), null, T0) > new VersionKey(null, null, T0.AddYears(1)));
    }

    [Fact]
    public void Ingestion_time_only_counts_without_version_keys()
    {
        Assert.True(new VersionKey(null, null, T0.AddTicks(10)) > new VersionKey(null, null, T0));
        Assert.Equal(new VersionKey(T0, 1, T0), new VersionKey(T0, 1, T0.AddDays(1)));
    }

    [Fact]
    public void Timestamps_compare_at_microsecond_precision_like_PostgreSQL()
    {
        Assert.Equal(new VersionKey(T0.AddTicks(3), null, T0), new VersionKey(T0.AddTicks(7), null, T0));
        Assert.True(new VersionKey(T0.AddTicks(10), null, T0) > new VersionKey(T0.AddTicks(9), null, T0));
    }

    [Fact]
    public void Offsets_do_not_matter_only_the_instant()
    {
        Assert.Equal(new VersionKey(T0, null, T0), new VersionKey(T0.ToOffset(TimeSpan.FromHours(9)), null, T0));
    }
}
