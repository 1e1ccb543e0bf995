namespace Backoffice.Data.Ledger;

/// <summary>One leg of a payment as last written by the winning event (<c>bo.ledger_entries</c>).</summary>
public sealed class LedgerEntry
{
    public required string TxId { get; set; }
    public required string WalletId { get; set; }
    /// <summary><see cref="EntryTypes.Payment"/> or <see cref="EntryTypes.Receive"/>.</summary>
    public required string EntryType { get; set; }
    public decimal Amount { get; set; }
    public string? Currency { get; set; }
    public string? RelatedId { get; set; }
    public string? RelatedType { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? OccurredAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public long? SourceVersion { get; set; }
    /// <summary>When the consumer stored this version.</summary>
    public DateTimeOffset IngestedAt { get; set; }
    /// <summary>When the entry was first stored.</summary>
    public DateTimeOffset FirstIngestedAt { get; set; }
    public string? EventId { get; set; }
    public string? SourceTopic { get; set; }
    public int? SourcePartition { get; set; }
    public long? SourceOffset { get; set; }
    /// <summary>The raw event as received (jsonb).</summary>
    public required string Payload { get; set; }
}

public static class EntryTypes
{
    public const string Payment = "PAYMENT";
    public const string Receive = "RECEIVE";
}
