using Backoffice.Data.Ledger;
using Backoffice.Data.Pairing;

namespace Backoffice.Tests.Consumer;

/// <summary>A leg as the §4 table sees it.</summary>
public sealed record ModelLeg(string TxId, string EntryType, decimal Amount, string? Currency, string RelatedType = RelatedTypes.PaymentOrder);

/// <summary>The pair row §4 implies for one key's legs, without the timestamps.</summary>
public sealed record ModelPair(
    string RelatedType,
    string Status,
    string? Reason,
    string? PaymentTxId,
    string? ReceiveTxId,
    decimal? PaymentAmount,
    decimal? ReceiveAmount,
    string? Currency,
    int LegCount);

/// <summary>
/// An independent C# reading of the §4 table and its clarifications, written from the spec text:
/// the oracle the product's SQL (<c>PairUpsert</c>) is checked against on random leg sets.
/// </summary>
public static class PairingModel
{
    /// <summary>The pair row of a key with these legs; null when there is no leg (no pair row).</summary>
    public static ModelPair? Expected(IReadOnlyCollection<ModelLeg> legs)
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

        var (status, reason) = (payments.Count, receives.Count) switch
        {
            ( > 1, _) or (_, > 1) => (PairingStatuses.Unknown, PairingReasons.DuplicateLeg),
            (1, 0) => (PairingStatuses.Incomplete, PairingReasons.WaitingForReceive),
            (0, 1) => (PairingStatuses.Incomplete, PairingReasons.WaitingForPayment),
            // Different currencies make the amounts incomparable, so that reason comes first;
            // an absent currency only matches another absent one.
            _ when currencies.Count > 1 => (PairingStatuses.Unknown, PairingReasons.CurrencyMismatch),
            _ when payment!.Amount != receive!.Amount => (PairingStatuses.Unknown, PairingReasons.AmountMismatch),
            _ => (PairingStatuses.Complete, (string?)null),
        };

        return new ModelPair(
            legs.Select(l => l.RelatedType).Order(StringComparer.Ordinal).First(),
            status,
            reason,
            payment?.TxId,
            receive?.TxId,
            payment?.Amount,
            receive?.Amount,
            currencies.Count == 1 ? currencies[0] : null,
            legs.Count);
    }

    public static ModelPair Of(PaymentLedgerPair row) => new(
        row.RelatedType,
        row.PairingStatus,
        row.PairingReason,
        row.PaymentTxId,
        row.ReceiveTxId,
        row.PaymentAmount,
        row.ReceiveAmount,
        row.Currency,
        row.LegCount);
}
