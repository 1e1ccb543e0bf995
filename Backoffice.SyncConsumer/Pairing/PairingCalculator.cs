using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;

namespace Backoffice.SyncConsumer.Pairing;

/// <summary>The pairing state of one <c>related_id</c>, derived from its legs alone (§4).</summary>
public sealed record PairingState(
    string Status,
    string? Reason,
    string? PaymentTxId,
    string? ReceiveTxId,
    decimal? PaymentAmount,
    decimal? ReceiveAmount,
    string? Currency,
    int LegCount);

/// <summary>How a pair row changes after a ledger write touched its key.</summary>
/// <param name="Row">The row to store, or null when the key has no leg left and the row is deleted.</param>
/// <param name="Changed">False when the stored row is already exactly <paramref name="Row"/> (nothing to write).</param>
/// <param name="From">The previous status, <see cref="PairingCalculator.NoPair"/> when there was no row.</param>
/// <param name="To">The new status, <see cref="PairingCalculator.NoPair"/> when the row is deleted.</param>
/// <param name="CompletedAfter"><c>completed_at − first_leg_at</c> when the pair became COMPLETE for the first time.</param>
public sealed record PairRecomputation(
    string RelatedId,
    PaymentLedgerPair? Row,
    bool Changed,
    string From,
    string To,
    TimeSpan? CompletedAfter)
{
    public bool StatusChanged => From != To;
}

/// <summary>The pairing rules of §4 as pure functions.</summary>
public static class PairingCalculator
{
    /// <summary>Status label for "no pair row" (the <c>from</c> of a new pair, the <c>to</c> of a deleted one).</summary>
    public const string NoPair = "NONE";

    /// <summary>The <c>related_type</c> a leg with a <c>related_id</c> but no type belongs to (§2.1).</summary>
    public const string DefaultRelatedType = "PAYMENT_ORDER";

    /// <summary>The state of a key's legs; null when there is no leg (no pair row).</summary>
    public static PairingState? Calculate(IReadOnlyCollection<PairLeg> legs)
    {
        if (legs.Count == 0)
        {
            return null;
        }

        var payments = legs.Where(l => l.EntryType == EntryTypes.Payment).ToList();
        var receives = legs.Where(l => l.EntryType == EntryTypes.Receive).ToList();
        var payment = payments.Count == 1 ? payments[0] : null;
        var receive = receives.Count == 1 ? receives[0] : null;
        var currencies = legs.Select(l => l.Currency).Distinct(StringComparer.Ordinal).ToList();
        var commonCurrency = currencies.Count == 1 ? currencies[0] : null;

        var (status, reason) = (payments.Count, receives.Count) switch
        {
            ( > 1, _) or (_, > 1) => (PairingStatuses.Unknown, PairingReasons.DuplicateLeg),
            (1, 0) => (PairingStatuses.Incomplete, PairingReasons.WaitingForReceive),
            (0, 1) => (PairingStatuses.Incomplete, PairingReasons.WaitingForPayment),
            // Different currencies make the amounts incomparable, so that reason comes first.
            // An absent currency only matches another absent one.
            _ when currencies.Count > 1 => (PairingStatuses.Unknown, PairingReasons.CurrencyMismatch),
            _ when payment!.Amount != receive!.Amount => (PairingStatuses.Unknown, PairingReasons.AmountMismatch),
            _ => (PairingStatuses.Complete, (string?)null),
        };

        return new PairingState(status, reason, payment?.TxId, receive?.TxId, payment?.Amount, receive?.Amount, commonCurrency, legs.Count);
    }

    /// <summary>Recomputes the pair row of <paramref name="relatedId"/> from its current legs and its stored row.</summary>
    /// <param name="now">The transaction time, used for the timestamps this change sets.</param>
    public static PairRecomputation Recompute(string relatedId, IReadOnlyCollection<PairLeg> legs, PaymentLedgerPair? stored, DateTimeOffset now)
    {
        var from = stored?.PairingStatus ?? NoPair;
        var state = Calculate(legs);
        if (state is null)
        {
            return new PairRecomputation(relatedId, null, stored is not null, from, NoPair, null);
        }

        var firstLegAt = stored?.FirstLegAt ?? legs.Min(l => l.FirstIngestedAt);
        var completedAt = stored?.CompletedAt ?? (state.Status == PairingStatuses.Complete ? now : null);
        var row = new PaymentLedgerPair
        {
            RelatedId = relatedId,
            RelatedType = legs.Select(l => l.RelatedType).OfType<string>().Order(StringComparer.Ordinal).FirstOrDefault() ?? DefaultRelatedType,
            PairingStatus = state.Status,
            PairingReason = state.Reason,
            PaymentTxId = state.PaymentTxId,
            ReceiveTxId = state.ReceiveTxId,
            PaymentAmount = state.PaymentAmount,
            ReceiveAmount = state.ReceiveAmount,
            Currency = state.Currency,
            LegCount = state.LegCount,
            FirstLegAt = firstLegAt,
            CompletedAt = completedAt,
            StatusChangedAt = stored is null || stored.PairingStatus != state.Status ? now : stored.StatusChangedAt,
        };
        var completedAfter = stored?.CompletedAt is null && completedAt is { } c ? c - firstLegAt : (TimeSpan?)null;
        return new PairRecomputation(relatedId, row, stored is null || !SameRow(stored, row), from, state.Status, completedAfter);
    }

    private static bool SameRow(PaymentLedgerPair a, PaymentLedgerPair b) =>
        a.RelatedType == b.RelatedType
        && a.PairingStatus == b.PairingStatus
        && a.PairingReason == b.PairingReason
        && a.PaymentTxId == b.PaymentTxId
        && a.ReceiveTxId == b.ReceiveTxId
        && a.PaymentAmount == b.PaymentAmount
        && a.ReceiveAmount == b.ReceiveAmount
        && a.Currency == b.Currency
        && a.LegCount == b.LegCount
        && a.FirstLegAt == b.FirstLegAt
        && a.CompletedAt == b.CompletedAt
        && a.StatusChangedAt == b.StatusChangedAt;
}
