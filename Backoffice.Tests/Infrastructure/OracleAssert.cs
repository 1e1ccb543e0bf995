using Backoffice.Chaos.Oracle;
using Backoffice.Simulator.Oracle;

namespace Backoffice.Tests.Infrastructure;

/// <summary>
/// The database against the simulator's oracle: every ledger row, payment order and pair with the
/// values the events determine, and a DLQ row at the topic/partition/offset of every bad message
/// (none for good ones), nothing missing, nothing extra. The comparison itself
/// (<see cref="OracleReport"/>) is shared with the reliability command, which prints it.
/// </summary>
internal static class OracleAssert
{
    public static async Task MatchesAsync(ExpectedState expected, string database)
    {
        var report = await OracleReport.CompareAsync(expected, database, TestContext.Current.CancellationToken);
        Assert.True(report.Matches, report.Describe());
    }
}
