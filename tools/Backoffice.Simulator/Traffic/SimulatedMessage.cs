namespace Backoffice.Simulator.Traffic;

/// <summary>The two logical streams of the event contract (§1).</summary>
public enum StreamKind
{
    Ledger,
    PaymentOrder,
}

/// <summary>What a message is, and so what the consumer must make of it.</summary>
public enum MessageKind
{
    /// <summary>The first send of one version of an entity: a valid event.</summary>
    Version,

    /// <summary>The same version again (exact bytes, or the same values in another shape): valid, a no-op once stored.</summary>
    Duplicate,

    /// <summary>An older version sent after a newer one of the same entity: valid, loses to the newer one.</summary>
    Stale,

    /// <summary>A message the consumer must put in the DLQ with <see cref="SimulatedMessage.ExpectedErrorCode"/>.</summary>
    Malformed,

    /// <summary>A null value: skipped and counted.</summary>
    Tombstone,
}

/// <summary>How a simulated payment ends, and so which pairing state it must reach.</summary>
public enum PaymentScenario
{
    /// <summary>CREATED → FROZEN → SETTLED, both legs with equal amounts: pair COMPLETE.</summary>
    Settled,

    /// <summary>CREATED → FROZEN → ROLLED_BACK, no ledger legs (the freeze was released): no pair row.</summary>
    RolledBack,

    /// <summary>CREATED → FROZEN, one leg never arrives: pair INCOMPLETE, WAITING_FOR_… the missing side.</summary>
    LegWithheld,

    /// <summary>CREATED → FROZEN → SETTLED, the RECEIVE leg's amount differs: pair UNKNOWN, AMOUNT_MISMATCH.</summary>
    AmountMismatch,
}

public static class StreamKindNames
{
    /// <summary>The stream's configuration key and metric label value (<c>ledger</c>, <c>payment_order</c>).</summary>
    public static string Name(this StreamKind stream) => stream == StreamKind.Ledger ? "ledger" : "payment_order";
}

/// <summary>
/// A ledger leg in canonical form (§2.1): the values the consumer must read from the message,
/// whatever field names and formats the message uses. Null means the message leaves the field out;
/// defaults (e.g. <c>related_type</c>) are the oracle's business. Timestamps are UTC, millisecond precision.
/// </summary>
public sealed record LedgerFact(
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
    string? EventType);

/// <summary>A payment order state in canonical form (§2.2); conventions as <see cref="LedgerFact"/>.</summary>
public sealed record PaymentOrderFact(
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
    string? EventType);

/// <summary>
/// One simulated payment as planned: the ids a developer or a test looks up, and the outcome the
/// generator intended. The oracle does not read this; it derives the outcome from the messages.
/// </summary>
public sealed record PaymentPlan(
    long Number,
    string OrderId,
    PaymentScenario Scenario,
    string PaymentTxId,
    string ReceiveTxId,
    string Currency,
    decimal Amount,
    string PayerWalletId,
    string PayeeWalletId,
    string? WithheldTxId)
{
    /// <summary>The ledger legs that are sent (none for a rolled-back payment).</summary>
    public IReadOnlyList<string> SentTxIds => Scenario switch
    {
        PaymentScenario.RolledBack => [],
        PaymentScenario.LegWithheld => [WithheldTxId == PaymentTxId ? ReceiveTxId : PaymentTxId],
        _ => [PaymentTxId, ReceiveTxId],
    };
}

/// <summary>
/// One generated Kafka message and what the consumer must make of it. <see cref="Key"/> is the
/// entity id (<c>tx_id</c> for ledger legs, <c>order_id</c> for payment orders) so an entity stays on
/// one partition. <see cref="Value"/> is null for a tombstone. Headers (<c>traceparent</c>) are added
/// when the message is produced, because they name the produce span. <see cref="At"/> is the
/// simulated time the message is sent at (messages are emitted in that order).
/// </summary>
public sealed record SimulatedMessage(
    long Sequence,
    StreamKind Stream,
    string Key,
    byte[]? Value,
    MessageKind Kind,
    LedgerFact? Ledger,
    PaymentOrderFact? PaymentOrder,
    string? ExpectedErrorCode,
    string? Description,
    PaymentPlan? Payment,
    DateTimeOffset At = default)
{
    /// <summary>The ledger <c>tx_id</c> this message concerns (its key on the ledger stream).</summary>
    public string? TxId => Stream == StreamKind.Ledger ? Key : null;

    /// <summary>The payment order id this message concerns: its key on the order stream, the leg's <c>related_id</c> on the ledger stream.</summary>
    public string? OrderId => Stream == StreamKind.PaymentOrder ? Key : Payment?.OrderId;

    public string? RelatedId => Ledger?.RelatedId ?? (Stream == StreamKind.Ledger ? Payment?.OrderId : null);
}
