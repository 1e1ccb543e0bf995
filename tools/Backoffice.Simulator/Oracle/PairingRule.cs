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

    public static ExpectedPair Evaluate(string relatedId, IReadOnlyList<ExpectedLedgerEntry> legs)
    {
        ArgumentNullException.ThrowIfNull(legs);
        ArgumentOutOfRangeException.ThrowIfZero(legs.Count);
        var payments = legs.Where(l => l.EntryType == "PAYMENT").ToList();
        var receives = legs.Where(l => l.EntryType == "RECEIVE").ToList();
        var relatedType = legs.Select(l => l.RelatedType).Order(StringComparer.Ordinal).First() ?? PaymentOrderType;

        if (payments.Count > 1 || receives.Count > 1)
        {
            // Which of the duplicate legs the row names is not fixed by the contract: leave the legs open.
            return new ExpectedPair(relatedId, relatedType, Unknown, DuplicateLeg, null, null, null, null, null, legs.Count, LegsDetermined: false);
        }

        var payment = payments.SingleOrDefault();
        var receive = receives.SingleOrDefault();
        if (payment is null || receive is null)
        {
            var present = payment ?? receive!;
            return new ExpectedPair(relatedId, relatedType, Incomplete, payment is null ? WaitingForPayment : WaitingForReceive,
                payment?.TxId, receive?.TxId, payment?.Amount, receive?.Amount, present.Currency, legs.Count, LegsDetermined: true);
        }

        // When both differ the currency is named: amounts in different currencies are not comparable.
        var (status, reason) = payment.Currency != receive.Currency ? (Unknown, CurrencyMismatch)
            : payment.Amount != receive.Amount ? (Unknown, AmountMismatch)
            : (Complete, (string?)null);
        var currency = payment.Currency == receive.Currency ? payment.Currency : null;
        return new ExpectedPair(relatedId, relatedType, status, reason,
            payment.TxId, receive.TxId, payment.Amount, receive.Amount, currency, legs.Count, LegsDetermined: true);
    }
}
