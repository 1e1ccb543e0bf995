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

    internal byte[] CursorKeyBytes() => string.IsNullOrWhiteSpace(CursorKey)
        ? SHA256.HashData(Encoding.UTF8.GetBytes("Backoffice.Api wallet cursor v1"))
        : Convert.FromBase64String(CursorKey);
}

internal sealed class LookupOptionsValidator : IValidateOptions<LookupOptions>
{
    public ValidateOptionsResult Validate(string? name, LookupOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CursorKey))
        {
            return ValidateOptionsResult.Success;
        }

        var buffer = new byte[options.CursorKey.Length];
        return Convert.TryFromBase64String(options.CursorKey, buffer, out var length) && length >= 32
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{LookupOptions.SectionName}:CursorKey must be base64 of at least 32 bytes.");
    }
}
