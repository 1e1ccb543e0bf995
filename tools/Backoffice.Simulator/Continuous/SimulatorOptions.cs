using System.ComponentModel.DataAnnotations;

namespace Backoffice.Simulator.Continuous;

/// <summary>
/// Resource-mode settings (section <c>Simulator</c>). The traffic itself (rate, seed, shares) binds
/// from the same section into <see cref="Traffic.TrafficOptions"/>: <c>Simulator:EventsPerSecond</c>,
/// <c>Simulator:Seed</c>, <c>Simulator:WithheldShare</c>, …
/// </summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>
    /// Kafka profile, with topic overrides under <c>Simulator:Profiles:&lt;profile&gt;:Topics</c>. Unset, the
    /// simulator uses the consumer's (<c>Consumer:Profile</c> and <c>Consumer:Profiles:…</c>; <c>local</c> in
    /// Development), so it writes where the consumer reads.
    /// </summary>
    public string? Profile { get; set; }

    /// <summary>How often to log what was sent.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LogInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many payments of each outcome (COMPLETE, INCOMPLETE) to name in the start-up log, for looking up.</summary>
    [Range(0, 100)]
    public int SampleCount { get; set; } = 3;
}
