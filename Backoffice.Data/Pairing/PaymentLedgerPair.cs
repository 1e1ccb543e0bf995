namespace Backoffice.Data.Pairing;

/// <summary>Pairing state of the PAYMENT and RECEIVE legs sharing one <c>related_id</c> (<c>bo.payment_ledger_pairs</c>).</summary>
public sealed class PaymentLedgerPair
{
    public required string RelatedId { get; set; }
    public required string RelatedType { get; set; }
    public required string PairingStatus { get; set; }
    public string? PairingReason { get; set; }
    public string? PaymentTxId { get; set; }
    public string? ReceiveTxId { get; set; }
    public decimal? PaymentAmount { get; set; }
    public decimal? ReceiveAmount { get; set; }
    public string? Currency { get; set; }
    public int LegCount { get; set; }
    public DateTimeOffset FirstLegAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset StatusChangedAt { get; set; }
}

public static class PairingStatuses
{
    /// <summary>Not a stored status: the <c>from</c> of a new pair and the <c>to</c> of a removed one in <c>pairing_status_changes_total</c>.</summary>
    public const string NoPair = "NONE";

    public const string Complete = "COMPLETE";
    public const string Incomplete = "INCOMPLETE";
    public const string Unknown = "UNKNOWN";
}

public static class PairingReasons
{
    public const string WaitingForPayment = "WAITING_FOR_PAYMENT";
    public const string WaitingForReceive = "WAITING_FOR_RECEIVE";
    public const string DuplicateLeg = "DUPLICATE_LEG";
    public const string AmountMismatch = "AMOUNT_MISMATCH";
    public const string CurrencyMismatch = "CURRENCY_MISMATCH";
    /// <summary>Reported by the API only: an entry without related_id has no pair row.</summary>
    public const string NoRelatedId = "NO_RELATED_ID";
}

public static class RelatedTypes
{
    /// <summary>The <c>related_type</c> of a leg that has a <c>related_id</c> but no type (§2.1).</summary>
    public const string PaymentOrder = "PAYMENT_ORDER";
}
