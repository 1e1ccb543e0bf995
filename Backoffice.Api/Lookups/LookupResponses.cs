namespace Backoffice.Api.Lookups;

// Response shapes of the admin lookups (snake_case on the wire). Amounts are strings with eight
// decimals; timestamps are RFC 3339 UTC with Z (see UtcTimestampJsonConverter). Every property
// is always present, null when unknown.

/// <summary><c>GET /admin/tx/{tx_id}</c>.</summary>
public sealed record TransactionResponse(
    string TxId,
    string EntryType,
    string WalletId,
    string Amount,
    string? Currency,
    string? Status,
    string? RelatedId,
    string? RelatedType,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? UpdatedAt,
    long? SourceVersion,
    DateTimeOffset IngestedAt,
    TransactionPairing Pairing,
    PaymentOrderSummary? PaymentOrder);

/// <summary>Pairing of a transaction, with the opposite leg when it is stored.</summary>
public sealed record TransactionPairing(
    string Status,
    string? Reason,
    string? PaymentTxId,
    string? ReceiveTxId,
    DateTimeOffset? FirstLegAt,
    DateTimeOffset? CompletedAt,
    Counterpart? Counterpart);

/// <summary>The opposite leg: the RECEIVE of a PAYMENT, the PAYMENT of a RECEIVE.</summary>
public sealed record Counterpart(
    string TxId,
    string EntryType,
    string WalletId,
    string Amount,
    string? Currency,
    DateTimeOffset? OccurredAt);

public sealed record PaymentOrderSummary(
    string OrderId,
    string Status,
    string? Amount,
    string? Currency,
    string? PayerWalletId,
    string? PayeeWalletId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt);

/// <summary><c>GET /admin/payment-orders/{order_id}</c>: the order, its legs and their pairing.</summary>
public sealed record PaymentOrderResponse(
    string OrderId,
    string Status,
    string? Amount,
    string? Currency,
    string? PayerWalletId,
    string? PayeeWalletId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    long? SourceVersion,
    DateTimeOffset IngestedAt,
    IReadOnlyList<LedgerLeg> LedgerEntries,
    PairingSummary Pairing);

public sealed record LedgerLeg(
    string TxId,
    string EntryType,
    string WalletId,
    string Amount,
    string? Currency,
    string? Status,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? UpdatedAt);

/// <summary>Pairing as stored in <c>bo.payment_ledger_pairs</c> (or derived when there is no row).</summary>
public sealed record PairingSummary(
    string Status,
    string? Reason,
    string? PaymentTxId,
    string? ReceiveTxId,
    DateTimeOffset? FirstLegAt,
    DateTimeOffset? CompletedAt);

/// <summary><c>GET /admin/wallets/{wallet_id}/tx</c>: one page, newest first.</summary>
public sealed record WalletTransactionsPage(IReadOnlyList<WalletTransaction> Items, string? NextCursor) : IListResult
{
    int IListResult.ItemCount => Items.Count;
}

public sealed record WalletTransaction(
    string TxId,
    string EntryType,
    string Amount,
    string? Currency,
    string? Status,
    string? RelatedId,
    string? RelatedType,
    DateTimeOffset? OccurredAt,
    DateTimeOffset IngestedAt,
    PairingStatus Pairing);

public sealed record PairingStatus(string Status, string? Reason);

/// <summary>A response that lists items: the audit row's <c>result_count</c> is the item count.</summary>
public interface IListResult
{
    int ItemCount { get; }
}
