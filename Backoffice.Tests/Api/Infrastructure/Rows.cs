using Backoffice.Data.Ledger;
using Backoffice.Data.Orders;
using Backoffice.Data.Pairing;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>Rows as the consumer would have stored them, with defaults a test overrides as needed.</summary>
public static class Rows
{
    public static readonly DateTimeOffset Ingested = new(2026, 11, 25, 1, 2, 3, 789, TimeSpan.Zero);

    /// <summary>A fresh id, so tests sharing a database never collide.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static LedgerEntry Entry(
        string txId,
        string walletId,
        string entryType = EntryTypes.Payment,
        decimal amount = 15000m,
        string? currency = "KRW",
        string? relatedId = null,
        DateTimeOffset? occurredAt = null,
        string? status = "POSTED",
        bool undated = false) => new()
    {
        TxId = txId,
        WalletId = walletId,
        EntryType = entryType,
        Amount = amount,
        Currency = currency,
        RelatedId = relatedId,
        RelatedType = relatedId is null ? null : "PAYMENT_ORDER",
        Status = status,
        OccurredAt = undated ? null : occurredAt ?? new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero),
        UpdatedAt = undated ? null : occurredAt ?? new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero),
        SourceVersion = 3,
        IngestedAt = Ingested,
        FirstIngestedAt = Ingested,
        EventId = $"evt-{txId}",
        SourceTopic = "ledger",
        SourcePartition = 0,
        SourceOffset = 1,
        Payload = "{}",
    };

    public static PaymentOrder Order(string orderId, string payer, string payee, string status = "SETTLED", decimal? amount = 15000m) => new()
    {
        OrderId = orderId,
        Status = status,
        Amount = amount,
        Currency = "KRW",
        PayerWalletId = payer,
        PayeeWalletId = payee,
        CreatedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 5, TimeSpan.Zero),
        SourceVersion = 2,
        IngestedAt = Ingested,
        FirstIngestedAt = Ingested,
        Payload = "{}",
    };

    public static PaymentLedgerPair CompletePair(string relatedId, string paymentTxId, string receiveTxId) => new()
    {
        RelatedId = relatedId,
        RelatedType = "PAYMENT_ORDER",
        PairingStatus = PairingStatuses.Complete,
        PaymentTxId = paymentTxId,
        ReceiveTxId = receiveTxId,
        PaymentAmount = 15000m,
        ReceiveAmount = 15000m,
        Currency = "KRW",
        LegCount = 2,
        FirstLegAt = new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 4, TimeSpan.Zero),
        StatusChangedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 4, TimeSpan.Zero),
    };

    public static PaymentLedgerPair IncompletePair(string relatedId, string paymentTxId) => new()
    {
        RelatedId = relatedId,
        RelatedType = "PAYMENT_ORDER",
        PairingStatus = PairingStatuses.Incomplete,
        PairingReason = PairingReasons.WaitingForReceive,
        PaymentTxId = paymentTxId,
        PaymentAmount = 15000m,
        Currency = "KRW",
        LegCount = 1,
        FirstLegAt = new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero),
        StatusChangedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero),
    };
}
