using Microsoft.Extensions.Options;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// The <c>Consumer</c> section. <c>Consumer:Profile</c> and <c>Consumer:Profiles:*</c> (topics,
/// connection) are read by Backoffice.Kafka's profile settings.
/// </summary>
public sealed class ConsumerOptions
{
    public const string Section = "Consumer";

    /// <summary>Consumer group shared by every instance (§1).</summary>
    public string GroupId { get; set; } = "backoffice-sync";

    /// <summary>Most messages written in one transaction (§5).</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>
    /// Batches written at the same time, each by its own writer in its own transaction. Every
    /// partition belongs to one lane, so its messages are still written (and its offsets committed)
    /// in order; more lanes overlap one batch's round trips and COMMIT with another's. Three
    /// drained a replay 8–11 % faster than two on the 2-core benchmark machine, four no faster
    /// (docs/benchmarks.md, "Ingest, 2026-12-07, later").
    /// </summary>
    public int WriteLanes { get; set; } = 3;

    /// <summary>Longest wait for more messages once a batch has its first one (§5).</summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>First wait before retrying a batch after a transient database failure; doubles up to <see cref="RetryMaxBackoff"/>.</summary>
    public TimeSpan RetryInitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Extra librdkafka consumer properties (<c>Consumer:Kafka:&lt;property&gt;</c>, e.g.
    /// <c>session.timeout.ms</c>). Delivery-critical properties are always set by the worker and override these.
    /// </summary>
    public Dictionary<string, string> Kafka { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Fails start-up with messages that name the key.</summary>
public sealed class ConsumerOptionsValidator : IValidateOptions<ConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsumerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.GroupId))
        {
            failures.Add($"{ConsumerOptions.Section}:GroupId must not be empty.");
        }

        if (options.MaxBatchSize is < 1 or > 10_000)
        {
            failures.Add($"{ConsumerOptions.Section}:MaxBatchSize must be between 1 and 10000 (was {options.MaxBatchSize}).");
        }

        if (options.WriteLanes is < 1 or > 16)
        {
            failures.Add($"{ConsumerOptions.Section}:WriteLanes must be between 1 and 16 (was {options.WriteLanes}).");
        }

        if (options.MaxBatchDelay < TimeSpan.Zero || options.MaxBatchDelay > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{ConsumerOptions.Section}:MaxBatchDelay must be between 00:00:00 and 00:00:10 (was {options.MaxBatchDelay}).");
        }

        if (options.RetryInitialBackoff <= TimeSpan.Zero)
        {
            failures.Add($"{ConsumerOptions.Section}:RetryInitialBackoff must be positive (was {options.RetryInitialBackoff}).");
        }

        if (options.RetryMaxBackoff < options.RetryInitialBackoff || options.RetryMaxBackoff > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{ConsumerOptions.Section}:RetryMaxBackoff must be at least RetryInitialBackoff and at most 00:01:00 (was {options.RetryMaxBackoff}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
