using System.ComponentModel.DataAnnotations;

namespace Backoffice.Migrator;

public sealed class MigratorOptions
{
    public const string SectionName = "Migrator";

    /// <summary>How long to wait for a PostgreSQL server that is still starting (AppHost start-up, a restarting container).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-statement timeout while migrating; index builds on a large table take longer than the 30 s default.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "12:00:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
