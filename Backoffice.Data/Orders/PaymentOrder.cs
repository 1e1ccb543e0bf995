namespace Backoffice.Data.Orders;

/// <summary>A payment order's latest state (<c>bo.payment_orders</c>).</summary>
public sealed class PaymentOrder
{
    public required string OrderId { get; set; }
    public required string Status { get; set; }
    public decimal? Amount { get; set; }
    public string? Currency { get; set; }
    public string? PayerWalletId { get; set; }
    public string? PayeeWalletId { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public long? SourceVersion { get; set; }
    public DateTimeOffset IngestedAt { get; set; }
    public DateTimeOffset FirstIngestedAt { get; set; }
    public string? EventId { get; set; }
    public string? SourceTopic { get; set; }
    public int? SourcePartition { get; set; }
    public long? SourceOffset { get; set; }
    public required string Payload { get; set; }
}
