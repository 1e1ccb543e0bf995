namespace Backoffice.Data.Dlq;

/// <summary>A message the consumer could not store (<c>bo.consumer_dlq_events</c>), one row per (topic, partition, offset).</summary>
public sealed class ConsumerDlqEvent
{
    public long Id { get; set; }
    public required string Topic { get; set; }
    public int Partition { get; set; }
    public long Offset { get; set; }
    public byte[]? MessageKey { get; set; }
    /// <summary>Raw value bytes, truncated to <see cref="DlqLimits.MaxStoredPayloadBytes"/>.</summary>
    public byte[]? Payload { get; set; }
    /// <summary>Size of the whole original value in bytes.</summary>
    public int PayloadSize { get; set; }
    /// <summary>SHA-256 of the whole original value.</summary>
    public byte[]? PayloadSha256 { get; set; }
    /// <summary>Kafka headers as a JSON object (jsonb).</summary>
    public string? Headers { get; set; }
    public required string Stream { get; set; }
    public required string ErrorCode { get; set; }
    public required string ErrorStage { get; set; }
    public required string ErrorMessage { get; set; }
    public DateTimeOffset FirstFailedAt { get; set; }
    public DateTimeOffset LastFailedAt { get; set; }
    public int AttemptCount { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? ReplayedAt { get; set; }
}

public static class DlqStatuses
{
    public const string Pending = "PENDING";
    public const string Replayed = "REPLAYED";
    public const string Discarded = "DISCARDED";
}

public static class DlqErrorStages
{
    public const string Deserialize = "DESERIALIZE";
    public const string Validate = "VALIDATE";
    public const string Write = "WRITE";
}

public static class DlqErrorCodes
{
    public const string InvalidJson = "INVALID_JSON";
    public const string NotAnObject = "NOT_AN_OBJECT";
    public const string CoreRequiredMissing = "CORE_REQUIRED_MISSING";
    public const string InvalidField = "INVALID_FIELD";
    public const string AliasConflict = "ALIAS_CONFLICT";
    public const string UnsupportedEventType = "UNSUPPORTED_EVENT_TYPE";
    public const string UnsupportedOperation = "UNSUPPORTED_OPERATION";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string WriteRejected = "WRITE_REJECTED";
}

public static class DlqLimits
{
    public const int MaxStoredPayloadBytes = 1024 * 1024;
}
