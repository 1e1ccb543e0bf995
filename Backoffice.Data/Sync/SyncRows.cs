namespace Backoffice.Data.Sync;

/// <summary>Where the winning event came from (kept on the stored row).</summary>
public readonly record struct SourcePosition(string Topic, int Partition, long Offset);

/// <summary>One ledger entry version to upsert into <c>bo.ledger_entries</c>. Timestamps are UTC with microsecond precision.</summary>
public sealed record LedgerUpsertRow(
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
    SourcePosition Source,
    RawJson Payload);

/// <summary>One payment order version to upsert into <c>bo.payment_orders</c>.</summary>
public sealed record PaymentOrderUpsertRow(
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
    SourcePosition Source,
    RawJson Payload);

/// <summary>What an upsert did with one incoming row.</summary>
public enum UpsertOutcome
{
    /// <summary>A new row.</summary>
    Inserted,

    /// <summary>Replaced the stored row: <c>K(incoming) &gt; K(stored)</c>.</summary>
    Updated,

    /// <summary>Ignored: the stored row has a newer version.</summary>
    Stale,

    /// <summary>Ignored: the stored row has the same version (a redelivery).</summary>
    Duplicate,
}

/// <summary>The outcome of one ledger row.</summary>
/// <param name="Outcome">Inserted, updated, stale or a duplicate.</param>
/// <param name="PreviousRelatedId">The <c>related_id</c> the entry had before (to re-pair a leg that moved).</param>
/// <param name="PairInputsChanged">
/// The row was inserted, or updated with a new <c>related_id</c>, <c>related_type</c>, <c>entry_type</c>,
/// <c>amount</c> or <c>currency</c>: the only writes that can change a pair row (§4).
/// </param>
public readonly record struct LedgerUpsertResult(UpsertOutcome Outcome, string? PreviousRelatedId, bool PairInputsChanged);

/// <summary>A DLQ row for <c>bo.consumer_dlq_events</c>; <see cref="Payload"/> is already capped, size and hash are of the whole value.</summary>
public sealed record DlqUpsertRow(
    SourcePosition Source,
    byte[]? MessageKey,
    byte[]? Payload,
    int PayloadSize,
    byte[]? PayloadSha256,
    string? HeadersJson,
    string Stream,
    string ErrorCode,
    string ErrorStage,
    string ErrorMessage);

/// <summary>
/// Another transaction inserted a row this batch also wrote, between this statement's snapshot and
/// its insert, so the outcome (and the leg's previous pair) cannot be known. Rare; the batch is retried.
/// </summary>
public sealed class ConcurrentSyncWriteException : Exception
{
    public ConcurrentSyncWriteException()
    {
    }

    public ConcurrentSyncWriteException(string message)
        : base(message)
    {
    }

    public ConcurrentSyncWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
