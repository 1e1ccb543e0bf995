using System.ComponentModel.DataAnnotations;

namespace Backoffice.Api.Database;

/// <summary>The <c>Database</c> section of the API.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>How often the pool gauges and the replication lag are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);
}
