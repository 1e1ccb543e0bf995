using System.ComponentModel.DataAnnotations;

namespace Backoffice.Api.Limits;

/// <summary>
/// The <c>Limits</c> section: what Kestrel accepts before the application sees a request. The API
/// takes GET requests with short URLs and one bearer token, so the limits are well below Kestrel's
/// general-purpose defaults where that costs a legitimate caller nothing.
/// </summary>
public sealed class RequestLimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>
    /// Request line (method, target, version). The longest valid lookup (a 128-character wallet id,
    /// a 1,024-character cursor, both timestamps, limit and entry_type) is about 1.4 KiB.
    /// Longer: 414, from Kestrel.
    /// </summary>
    [Range(2_048, 65_536, ErrorMessage = SectionName + ":MaxRequestLineSize must be between {1} and {2} bytes.")]
    public int MaxRequestLineSize { get; set; } = 4_096;

    /// <summary>All headers together. Kestrel's default: Entra ID tokens with many claims reach ~10 KiB. Larger: 431.</summary>
    [Range(4_096, 1_048_576, ErrorMessage = SectionName + ":MaxRequestHeadersTotalSize must be between {1} and {2} bytes.")]
    public int MaxRequestHeadersTotalSize { get; set; } = 32_768;

    /// <summary>Browsers and proxies send 10–30. More: 431.</summary>
    [Range(16, 1_000, ErrorMessage = SectionName + ":MaxRequestHeaderCount must be between {1} and {2}.")]
    public int MaxRequestHeaderCount { get; set; } = 64;

    /// <summary>No endpoint takes a body. A declared length above this: 413 problem.</summary>
    [Range(0, 1_048_576, ErrorMessage = SectionName + ":MaxRequestBodySize must be between {1} and {2} bytes.")]
    public long MaxRequestBodySize { get; set; } = 1_024;

    /// <summary>Time a client has to send all its headers (slow-header attacks hold connections otherwise).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00",
        ErrorMessage = SectionName + ":RequestHeadersTimeout must be between {1} and {2}.")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
