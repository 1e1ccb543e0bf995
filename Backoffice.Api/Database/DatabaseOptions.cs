using System.ComponentModel.DataAnnotations;

namespace Backoffice.Api.Database;

/// <summary>The <c>Database</c> section of the API.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Database";

    /// <summary>How often the pool gauges and the replication lag are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Seconds a query may run before Npgsql cancels it, on the server too (the connection's
    /// <c>Command Timeout</c>; this setting wins over the connection string's). Lookups are index
    /// lookups of a few milliseconds: one that waits this long is stuck on a lock or a bad plan,
    /// and answering 503 frees its connection for everyone else.
    /// </summary>
    [Range(1, 600, ErrorMessage = SectionName + ":CommandTimeout must be between {1} and {2} seconds.")]
    public int CommandTimeout { get; set; } = 5;

    /// <summary>
    /// Statements Npgsql prepares on each connection once they have run a few times (its
    /// <c>Max Auto Prepare</c>; this setting wins over the connection string's): the lookups are the
    /// same few SQL texts, so the server parses and plans them once per connection instead of on
    /// every request. 0 turns it off.
    /// </summary>
    [Range(0, 256, ErrorMessage = SectionName + ":MaxAutoPrepare must be between {1} and {2}.")]
    public int MaxAutoPrepare { get; set; } = 32;

    /// <summary>
    /// Most connections the API holds to PostgreSQL (the pool's <c>Maximum Pool Size</c>; this
    /// setting wins over the connection string's). Npgsql's own default, 100, is PostgreSQL's
    /// default <c>max_connections</c>: wallet pages on a freshly started API made the pool open all
    /// 100 and keep them idle for minutes (up to 34 MiB of the API's memory, and server slots the
    /// consumer needs) while at most 13 were ever running a statement at once; 16 served the same
    /// load with no latency cost measured (docs/benchmarks.md, "Lookups, 2026-12-07, the connection
    /// pool"). A lookup that finds every connection busy waits for one, up to the connection
    /// string's <c>Timeout</c>, then answers 503.
    /// </summary>
    [Range(1, 1000, ErrorMessage = SectionName + ":MaxPoolSize must be between {1} and {2}.")]
    public int MaxPoolSize { get; set; } = 16;

    /// <summary>
    /// Connections the pool opens at start-up, before the server listens (<c>Hosting/LookupWarmUp</c>),
    /// so a burst of first requests does not wait for connections to be established one by one. 0 opens none.
    /// </summary>
    [Range(0, 100, ErrorMessage = SectionName + ":WarmUpConnections must be between {1} and {2}.")]
    public int WarmUpConnections { get; set; } = 8;

    /// <summary>
    /// Longest the start-up warm-up (connections, query compilation, signing keys) may delay
    /// start-up; past it the service starts cold, and the first requests pay for what is left.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = SectionName + ":WarmUpTimeout must be between {1} and {2}.")]
    public TimeSpan WarmUpTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The warm-up holds its connections open together: more than the pool allows would wait
        // out the connection timeout and start the service cold.
        if (WarmUpConnections > MaxPoolSize)
        {
            yield return new ValidationResult(
                $"{SectionName}:WarmUpConnections ({WarmUpConnections}) must not exceed {SectionName}:MaxPoolSize ({MaxPoolSize}).",
                [nameof(WarmUpConnections)]);
        }
    }
}
