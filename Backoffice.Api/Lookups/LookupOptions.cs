using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Lookups;

/// <summary>The <c>Lookups</c> section.</summary>
public sealed class LookupOptions
{
    public const string SectionName = "Lookups";

    /// <summary>
    /// Base64 HMAC key (≥ 32 bytes) for wallet cursors, shared by every API instance. Without it a
    /// built-in key is used: cursors still detect garbling and reuse with other filters, but a
    /// caller who knows the key could craft one (which only lets them start a listing they may
    /// read anyway at a position of their choosing).
    /// </summary>
    public string? CursorKey { get; set; }

    /// <summary>Most <c>tx_id</c>s one shared transaction-lookup query asks for (see <see cref="TransactionLookups"/>).</summary>
    public int TxBatchSize { get; set; } = 64;

    /// <summary>
    /// Most transaction-lookup queries that may run at once, each on its own connection. A lookup
    /// that finds none running starts one at once; past the first, one starts only while the API
    /// is not saturated or the running ones have stalled, and the rest join the next query of a
    /// running one (<see cref="LookupBatcher{TRow}"/>). Sharing cut the API's CPU per request at
    /// saturation by 39 % (docs/benchmarks.md); more slots run more queries side by side with
    /// fewer ids each.
    /// </summary>
    public int TxBatchConcurrency { get; set; } = 2;

    internal byte[] CursorKeyBytes() => string.IsNullOrWhiteSpace(CursorKey)
        ? SHA256.HashData(Encoding.UTF8.GetBytes("Backoffice.Api wallet cursor v1"))
        : Convert.FromBase64String(CursorKey);
}

internal sealed class LookupOptionsValidator : IValidateOptions<LookupOptions>
{
    public ValidateOptionsResult Validate(string? name, LookupOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.CursorKey))
        {
            var buffer = new byte[options.CursorKey.Length];
            if (!Convert.TryFromBase64String(options.CursorKey, buffer, out var length) || length < 32)
            {
                failures.Add($"{LookupOptions.SectionName}:CursorKey must be base64 of at least 32 bytes.");
            }
        }

        if (options.TxBatchSize is < 1 or > 1000)
        {
            failures.Add($"{LookupOptions.SectionName}:TxBatchSize must be between 1 and 1000 (was {options.TxBatchSize}).");
        }

        if (options.TxBatchConcurrency is < 1 or > 64)
        {
            failures.Add($"{LookupOptions.SectionName}:TxBatchConcurrency must be between 1 and 64 (was {options.TxBatchConcurrency}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
