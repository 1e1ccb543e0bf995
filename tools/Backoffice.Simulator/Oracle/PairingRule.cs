namespace Backoffice.Simulator.Oracle;

/// <summary>The pairing table of §4, applied to the final ledger entries that share one <c>related_id</c>.</summary>
public static class PairingRule
{
    public const string Complete = "COMPLETE";
    public const string Incomplete = "INCOMPLETE";
    public const string Unknown = "UNKNOWN";
    public const string WaitingForPayment = "WAITING_FOR_PAYMENT";
    public const string WaitingForReceive = "WAITING_FOR_RECEIVE";
    public const string DuplicateLeg = "DUPLICATE_LEG";
    public const string AmountMismatch = "AMOUNT_MISMATCH";
    public const string CurrencyMismatch = "CURRENCY_MISMATCH";
    public const string PaymentOrderType = "PAYMENT_ORDER";

    /// <remarks>
    /// Beyond the table (the consumer's clarifications of §4): currencies are compared before amounts,
    /// an absent currency equals only another absent one, amounts compare by value; the payment
    /// (receive) columns name the leg when there is exactly one of that kind; <c>currency</c> is the
    /// currency all legs share, otherwise null; <c>related_type</c> is the legs' smallest.
    /// </remarks>
    public static ExpectedPair Evaluate(string relatedId, IReadOnlyList<ExpectedLedgerEntry> legs)
    {
        ArgumentNullException.ThrowIfNull(legs);
        ArgumentOutOfRangeException.ThrowIfZero(legs.Count);
        var payments = legs.Where(l => l.EntryType == "PAYMENT").ToList();
        var receives = legs.Where(l => l.EntryType == "RECEIVE").ToList();
        var payment = payments.Count == 1 ? payments[0] : null;
        var receive = receives.Count == 1 ? receives[0] : null;
        var relatedType = legs.Select(l => l.RelatedType ?? PaymentOrderType).Order(StringComparer.Ordinal).First();
        var currencies = legs.Select(l => l.Currency).Distinct(StringComparer.Ordinal).ToList();

        var (status, reason) = (payments.Count, receives.Count) switch
        {
            ( > 1, _) or (_, > 1) => (Unknown, DuplicateLeg),
            (1, 0) => (Incomplete, WaitingForReceive),
            (0, 1) => (Incomplete, WaitingForPayment),
            _ when currencies.Count > 1 => (Unknown, CurrencyMismatch),
            _ when payment!.Amount != receive!.Amount => (Unknown, AmountMismatch),
            _ => (Complete, (string?)null),
        };

        return new ExpectedPair(relatedId, relatedType, status, reason, payment?.TxId, receive?.TxId, payment?.Amount, receive?.Amount,
            currencies.Count == 1 ? currencies[0] : null, legs.Count);
    }
}
