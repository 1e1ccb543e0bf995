using System.Text;
using System.Text.Json;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.Tests.Consumer;

/// <summary>Builds already-normalised batch items for tests of the write path without Kafka.</summary>
internal static class WritePath
{
    public const string LedgerTopic = "test.ledger";
    public const string OrderTopic = "test.orders";
    private static long s_offset;

    public static BatchItem Ledger(
        string txId,
        string entryType = "PAYMENT",
        decimal amount = 10m,
        string? currency = "KRW",
        string? relatedId = null,
        DateTimeOffset? updatedAt = null,
        long? version = null,
        string? status = null,
        string walletId = "w-1",
        DateTimeOffset? occurredAt = null,
        int partition = 0,
        string? relatedType = null)
    {
        var payload = JsonSerializer.Serialize(new
        {
            tx_id = txId,
            wallet_id = walletId,
            entry_type = entryType,
            amount = amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            currency,
            related_id = relatedId,
            status,
            updated_at = updatedAt,
            source_version = version,
        });
        var e = new LedgerEvent(txId, walletId, entryType, amount, currency, relatedId, relatedType ?? (relatedId is null ? null : "PAYMENT_ORDER"), status, occurredAt, updatedAt, version, $"evt-{txId}-{version}", null, RawJson.FromText(payload));
        return new BatchItem(Message(StreamKind.Ledger, LedgerTopic, partition, txId, payload), new NormalisationResult.Ledger(e, []));
    }

    public static BatchItem Order(string orderId, string status, DateTimeOffset? updatedAt = null, long? version = null, decimal? amount = 10m)
    {
        var payload = JsonSerializer.Serialize(new { order_id = orderId, status, updated_at = updatedAt, source_version = version });
        var e = new PaymentOrderEvent(orderId, status, amount, "KRW", "w-1", "w-2", null, updatedAt, version, null, null, RawJson.FromText(payload));
        return new BatchItem(Message(StreamKind.PaymentOrder, OrderTopic, 0, orderId, payload), new NormalisationResult.PaymentOrder(e, []));
    }

    public static BatchItem Rejected(string code, string stage, string value, long? offset = null, string topic = LedgerTopic) =>
        new(Message(StreamKind.Ledger, topic, 0, "k", value, offset), new NormalisationResult.Rejected(code, stage, $"rejected: {code}"));

    /// <summary>The same message delivered again (same position), e.g. after a restart.</summary>
    public static BatchItem Redelivery(BatchItem item) => new(item.Message, item.Normalised);

    private static InboundMessage Message(StreamKind stream, string topic, int partition, string key, string value, long? offset = null) =>
        new(stream, topic, partition, offset ?? Interlocked.Increment(ref s_offset), Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), [], DateTimeOffset.UtcNow);
}
