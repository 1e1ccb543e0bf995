using System.ComponentModel.DataAnnotations;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>Limits and reserved event types of <see cref="EventNormalizer"/> (spec §2).</summary>
public sealed record NormalizerOptions
{
    public const int DefaultMaxMessageBytes = 1024 * 1024;
    public const int DefaultMaxDepth = 64;
    public const string PaymentLedgerPaired = "PaymentLedgerPaired";

    /// <summary>Largest message value parsed as an event; a larger value is <c>PAYLOAD_TOO_LARGE</c>.</summary>
    [Range(1, int.MaxValue)]
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Deepest nesting of objects and arrays accepted; deeper is <c>INVALID_JSON</c>.</summary>
    [Range(1, 1000)]
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>
    /// Event types that are not consumed yet (<c>UNSUPPORTED_EVENT_TYPE</c>), matched case-insensitively after trimming.
    /// Configuration binding appends configured entries to this default list.
    /// </summary>
    public IReadOnlyList<string> ReservedEventTypes { get; init; } = [PaymentLedgerPaired];
}
