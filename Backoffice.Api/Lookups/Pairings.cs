using Backoffice.Data.Pairing;

namespace Backoffice.Api.Lookups;

/// <summary>How the API reports pairing when <c>bo.payment_ledger_pairs</c> has no row to show.</summary>
public static class Pairings
{
    /// <summary>
    /// The entry has a <c>related_id</c> but no pair row exists (yet): the consumer writes the row in
    /// the same transaction as the leg, so this only shows data loaded another way or a pairing
    /// defect, and for a payment order, an order none of whose legs has arrived.
    /// </summary>
    public const string PairNotFound = "PAIR_NOT_FOUND";

    /// <summary>The pair key of payment legs; the only related type whose legs belong to a payment order.</summary>
    public const string PaymentOrderType = "PAYMENT_ORDER";

    public static string ReasonWithoutRow(string? relatedId) =>
        relatedId is null ? PairingReasons.NoRelatedId : PairNotFound;

    public static PairingSummary WithoutRow(string? relatedId) =>
        new(PairingStatuses.Unknown, ReasonWithoutRow(relatedId), null, null, null, null);
}
