namespace Backoffice.Kafka.Profiles;

/// <summary>
/// Logical stream keys (§1). They are the configuration keys under
/// <c>&lt;section&gt;:Profiles:&lt;profile&gt;:Topics</c> and the <c>stream</c> metric label values.
/// </summary>
public static class KafkaStreams
{
    public const string Ledger = "ledger";
    public const string PaymentOrder = "payment_order";

    public static IReadOnlyList<string> All { get; } = [Ledger, PaymentOrder];
}
