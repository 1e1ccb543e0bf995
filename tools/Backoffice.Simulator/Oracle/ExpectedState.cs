using System.Collections.Frozen;

namespace Backoffice.Simulator.Oracle;

/// <summary>A <c>bo.ledger_entries</c> row as it must end up (columns the events determine; not ingestion times, source position or payload).</summary>
public sealed record ExpectedLedgerEntry(
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
    string? EventId);

/// <summary>A <c>bo.payment_orders</c> row as it must end up.</summary>
public sealed record ExpectedPaymentOrder(
    string OrderId,
    string Status,
    decimal? Amount,
    string? Currency,
    string? PayerWalletId,
    string? PayeeWalletId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    long? SourceVersion,
    string? EventId);

/// <summary>
/// A <c>bo.payment_ledger_pairs</c> row as it must end up (not its timestamps, which are ingestion
/// times). Leg columns are null when there is not exactly one leg of that kind; <see cref="Currency"/>
/// is null when the legs' currencies differ.
/// </summary>
public sealed record ExpectedPair(
    string RelatedId,
    string RelatedType,
    string PairingStatus,
    string? PairingReason,
    string? PaymentTxId,
    string? ReceiveTxId,
    decimal? PaymentAmount,
    decimal? ReceiveAmount,
    string? Currency,
    int LegCount);

/// <summary>Where a produced message landed; null before it is produced.</summary>
public sealed record MessagePosition(string Topic, int Partition, long Offset);

/// <summary>A <c>bo.consumer_dlq_events</c> row that must exist: one per malformed message.</summary>
public sealed record ExpectedDlqRow(long Sequence, string Stream, string Key, string ErrorCode, string? Description, MessagePosition? Position);

/// <summary>A tombstone: skipped (no row anywhere), counted as <c>result="skipped"</c>.</summary>
public sealed record ExpectedSkip(long Sequence, string Stream, string Key, MessagePosition? Position);

/// <summary>
/// Per-stream message counts that do not depend on arrival order. <see cref="Valid"/> is what the
/// consumer counts as upserted + stale + duplicate: how it splits between those three depends on
/// the order and batching it sees, so the oracle does not state the split.
/// </summary>
public sealed record ExpectedStreamCounts(long Messages, long Valid, long Dlq, long Skipped, long VersionMissing);

public sealed record ExpectedCounts(
    long Messages,
    long Valid,
    long Dlq,
    long Skipped,
    long VersionMissing,
    IReadOnlyDictionary<string, long> ByKind,
    IReadOnlyDictionary<string, ExpectedStreamCounts> ByStream,
    IReadOnlyDictionary<string, long> DlqByErrorCode,
    int LedgerEntries,
    int PaymentOrders,
    int Pairs,
    IReadOnlyDictionary<string, int> PairsByStatus,
    IReadOnlyDictionary<string, int> PairsByReason);

/// <summary>
/// The oracle: the database state a set of messages must converge to, derived from the events by
/// the contract's rules (§3 version order, §4 pairing, §6 DLQ) without any of the consumer's code.
/// Lists are sorted by id (DLQ and skipped by sequence).
/// </summary>
public sealed class ExpectedState
{
    private readonly FrozenDictionary<string, ExpectedLedgerEntry> _ledger;
    private readonly FrozenDictionary<string, ExpectedPaymentOrder> _orders;
    private readonly FrozenDictionary<string, ExpectedPair> _pairs;

    public ExpectedState(
        ExpectedCounts counts,
        IReadOnlyList<ExpectedLedgerEntry> ledgerEntries,
        IReadOnlyList<ExpectedPaymentOrder> paymentOrders,
        IReadOnlyList<ExpectedPair> pairs,
        IReadOnlyList<ExpectedDlqRow> dlq,
        IReadOnlyList<ExpectedSkip> skipped)
    {
        Counts = counts;
        LedgerEntries = ledgerEntries;
        PaymentOrders = paymentOrders;
        Pairs = pairs;
        Dlq = dlq;
        Skipped = skipped;
        _ledger = ledgerEntries.ToFrozenDictionary(e => e.TxId, StringComparer.Ordinal);
        _orders = paymentOrders.ToFrozenDictionary(o => o.OrderId, StringComparer.Ordinal);
        _pairs = pairs.ToFrozenDictionary(p => p.RelatedId, StringComparer.Ordinal);
    }

    public ExpectedCounts Counts { get; }

    public IReadOnlyList<ExpectedLedgerEntry> LedgerEntries { get; }

    public IReadOnlyList<ExpectedPaymentOrder> PaymentOrders { get; }

    public IReadOnlyList<ExpectedPair> Pairs { get; }

    public IReadOnlyList<ExpectedDlqRow> Dlq { get; }

    public IReadOnlyList<ExpectedSkip> Skipped { get; }

    public ExpectedLedgerEntry? LedgerEntry(string txId) => _ledger.GetValueOrDefault(txId);

    public ExpectedPaymentOrder? PaymentOrder(string orderId) => _orders.GetValueOrDefault(orderId);

    public ExpectedPair? Pair(string relatedId) => _pairs.GetValueOrDefault(relatedId);

    /// <summary>The pairing a lookup of <paramref name="txId"/> must report: the pair row, or null (the API's UNKNOWN/NO_RELATED_ID) without related_id.</summary>
    public ExpectedPair? PairOf(string txId) => LedgerEntry(txId)?.RelatedId is { } relatedId ? Pair(relatedId) : null;
}
