using System.Text.Json;
using System.Text.Json.Serialization;
using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Oracle;

namespace Backoffice.Chaos.Scenarios;

/// <summary>One injected fault or kill: what, when (seconds into the run), at what share of the stream committed, and details.</summary>
public sealed record FaultRecord(string Kind, double AtSeconds, double? Progress, string Detail);

/// <summary>
/// The machine a run ran on, so figures can be compared: cores, OS, runtime, and the 1-minute load
/// average when the run started and ended (other work on a small machine skews timings).
/// </summary>
public sealed record MachineInfo(int Cores, string Os, string Runtime, double? LoadAverageAtStart = null, double? LoadAverageAtEnd = null)
{
    public static MachineInfo Current { get; } = new(
        System.Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);

    /// <summary>The 1-minute load average (/proc/loadavg); null where there is none.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>
/// What a scenario did and whether the database ended equal to the oracle: the JSON summary the
/// command prints and the tests assert on. <see cref="Passed"/> means the database equals the
/// oracle exactly (<c>lost = 0</c>, nothing unexpected) and nothing else went wrong.
/// </summary>
public sealed record ScenarioResult
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Scenario { get; init; }

    public required long Seed { get; init; }

    public required long Events { get; init; }

    /// <summary>
    /// Records on the broker (the sum of the end offsets): more than <see cref="Events"/> when the
    /// broker appended a retried batch twice during an outage; the consumer reads those as duplicates.
    /// </summary>
    public long BrokerRecords { get; init; }

    public required long Payments { get; init; }

    public required int Partitions { get; init; }

    /// <summary>Malformed messages in the traffic: each must end as one DLQ row.</summary>
    public required long BadInputs { get; init; }

    /// <summary>DLQ rows the oracle expects: one per bad message, and one per copy of a bad message the broker appended twice.</summary>
    public required int ExpectedDlqRows { get; init; }

    public required long Tombstones { get; init; }

    public required int ConsumerStarts { get; init; }

    public int Kills { get; init; }

    public IReadOnlyList<FaultRecord> Faults { get; init; } = [];

    public required int DlqRows { get; init; }

    public required int LedgerEntries { get; init; }

    public required int PaymentOrders { get; init; }

    public required int Pairs { get; init; }

    public required long Lost { get; init; }

    public required long Unexpected { get; init; }

    public required long PairMismatches { get; init; }

    /// <summary>Redeliveries seen in the DLQ: attempts beyond the first (at-least-once at work).</summary>
    public required long DlqRedeliveries { get; init; }

    /// <summary>Consumer output lines of interest (retried writes, failed offset commits, …), summed over every instance.</summary>
    public IReadOnlyDictionary<string, int> ConsumerLog { get; init; } = new Dictionary<string, int>();

    public IReadOnlyList<string> Problems { get; init; } = [];

    public required double ProduceSeconds { get; init; }

    public required double DurationSeconds { get; init; }

    public required bool Passed { get; init; }

    /// <summary>The oracle comparison in words, when it did not match.</summary>
    public string? OracleDifferences { get; init; }

    public IReadOnlyDictionary<string, object> Details { get; init; } = new Dictionary<string, object>();

    public MachineInfo Machine { get; init; } = MachineInfo.Current;

    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);
}
