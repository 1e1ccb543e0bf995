using System.ComponentModel.DataAnnotations;

namespace Backoffice.Api.Limits;

/// <summary>
/// The <c>RateLimiting</c> section: a token bucket per caller on <c>/admin</c>. The defaults are a
/// backstop against a runaway client, set above what one instance serves (so the benchmarks, one
/// caller at 1,000 requests/s and closed-loop saturation, are never throttled); a deployment sets
/// the quota its administrators really need.
/// </summary>
public sealed class RateLimitingOptions : IValidatableObject
{
    public const string SectionName = "RateLimiting";

    /// <summary>The partitioned limiter refills every bucket on a 100 ms heartbeat.</summary>
    public static readonly TimeSpan RefillInterval = TimeSpan.FromMilliseconds(100);

    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second one caller may make.</summary>
    [Range(1, 1_000_000, ErrorMessage = SectionName + ":PermitsPerSecond must be between {1} and {2}.")]
    public int PermitsPerSecond { get; set; } = 10_000;

    /// <summary>Requests one caller may make at once after being idle (the bucket's size).</summary>
    [Range(1, 10_000_000, ErrorMessage = SectionName + ":Burst must be between {1} and {2}.")]
    public int Burst { get; set; } = 20_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A bucket smaller than one refill would cap the rate below PermitsPerSecond.
        var perRefill = (int)Math.Ceiling(PermitsPerSecond * RefillInterval.TotalSeconds);
        if (Burst < perRefill)
        {
            yield return new ValidationResult(
                $"{SectionName}:Burst must be at least {perRefill} (PermitsPerSecond / 10: buckets are refilled every 100 ms), not {Burst}.",
                [nameof(Burst)]);
        }
    }
}
