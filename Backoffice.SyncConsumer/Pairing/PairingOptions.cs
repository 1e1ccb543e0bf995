using Microsoft.Extensions.Options;

namespace Backoffice.SyncConsumer.Pairing;

/// <summary>The <c>Pairing</c> section.</summary>
public sealed class PairingOptions
{
    public const string Section = "Pairing";

    /// <summary>An INCOMPLETE pair older than this counts in <c>pairing_incomplete_stale</c> (§4).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the pairing gauges are read from the database (not per scrape).</summary>
    public TimeSpan GaugeRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class PairingOptionsValidator : IValidateOptions<PairingOptions>
{
    public ValidateOptionsResult Validate(string? name, PairingOptions options)
    {
        var failures = new List<string>();
        if (options.StaleAfter <= TimeSpan.Zero)
        {
            failures.Add($"{PairingOptions.Section}:StaleAfter must be positive (was {options.StaleAfter}).");
        }

        if (options.GaugeRefreshInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{PairingOptions.Section}:GaugeRefreshInterval must be at least 00:00:00.1 (was {options.GaugeRefreshInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
