using System.ComponentModel.DataAnnotations;

namespace Backoffice.Api.Audit;

/// <summary>The <c>Audit</c> section.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>Most rows one INSERT carries (17 parameters each; PostgreSQL allows 65,535).</summary>
    [Range(1, 1000)]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Rows waiting for the writer before callers wait for room.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Longest a batch may take (connection + INSERT) before its lookups fail closed with 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>User agents are cut to this many characters.</summary>
    [Range(16, 4096)]
    public int MaxUserAgentLength { get; set; } = 512;
}
