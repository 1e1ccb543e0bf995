using Backoffice.Data.Sync;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>The two logical streams of the event contract (§1). Metric label values: "ledger", "payment_order".</summary>
public enum StreamKind
{
    Ledger,
    PaymentOrder,
}

/// <summary>A Kafka record as the consumer received it, before any interpretation.</summary>
public sealed record InboundMessage(
    StreamKind Stream,
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers,
    DateTimeOffset Timestamp);

/// <summary>A producer used an alias instead of the canonical field name (counted per alias).</summary>
public sealed record AliasHit(string Field, string Alias);

/// <summary>A ledger leg in canonical form (§2.1). Timestamps are UTC, truncated to microseconds.</summary>
public sealed record LedgerEvent(
    string TxId,
    string WalletId,
    string EntryType,
    decimal Amount,
    string? Currency,
    string? RelatedId,
    string? RelatedType,
    string? Status,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? UpdatedAt,
    long? SourceVersion,
    string? EventId,
    string? EventType,
    RawJson RawPayload);

/// <summary>A payment order state in canonical form (§2.2). Timestamps are UTC, truncated to microseconds.</summary>
public sealed record PaymentOrderEvent(
    string OrderId,
    string Status,
    decimal? Amount,
    string? Currency,
    string? PayerWalletId,
    string? PayeeWalletId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    long? SourceVersion,
    string? EventId,
    string? EventType,
    RawJson RawPayload);

/// <summary>What the normaliser made of one message.</summary>
public abstract record NormalisationResult
{
    private NormalisationResult()
    {
    }

    /// <summary>A valid ledger event (<see cref="Event"/>) with the aliases it used.</summary>
    public sealed record Ledger(LedgerEvent Event, IReadOnlyList<AliasHit> AliasHits) : NormalisationResult;

    /// <summary>A valid payment order event with the aliases it used.</summary>
    public sealed record PaymentOrder(PaymentOrderEvent Event, IReadOnlyList<AliasHit> AliasHits) : NormalisationResult;

    /// <summary>Nothing to store and nothing wrong (a tombstone): counted as result="skipped".</summary>
    public sealed record Skipped(string Reason) : NormalisationResult;

    /// <summary>A bad message: becomes a DLQ row with this code, stage (DESERIALIZE/VALIDATE) and a human-readable message.</summary>
    public sealed record Rejected(string ErrorCode, string ErrorStage, string Message) : NormalisationResult;
}
