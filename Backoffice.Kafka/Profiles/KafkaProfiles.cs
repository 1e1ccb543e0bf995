namespace Backoffice.Kafka.Profiles;

/// <summary>The known profiles (§1) and their default topic names.</summary>
public static class KafkaProfiles
{
    /// <summary>Local broker, PLAINTEXT. The default in the Development environment.</summary>
    public const string Local = "local";

    /// <summary>Event Hubs Kafka endpoint with SASL_SSL + PLAIN and the namespace connection string.</summary>
    public const string CloudTest = "cloud-test";

    /// <summary>Event Hubs Kafka endpoint with SASL_SSL + OAUTHBEARER and an Entra ID (managed identity) token.</summary>
    public const string CloudSecure = "cloud-secure";

    public static IReadOnlyList<string> All { get; } = [Local, CloudTest, CloudSecure];

    public static IReadOnlyDictionary<string, string> DefaultTopics(string profile) => profile switch
    {
        Local => new Dictionary<string, string>
        {
            [KafkaStreams.Ledger] = "bo.ledger-entries.v1",
            [KafkaStreams.PaymentOrder] = "bo.payment-orders.v1",
        },
        CloudTest or CloudSecure => new Dictionary<string, string>
        {
            [KafkaStreams.Ledger] = "ledger-entries",
            [KafkaStreams.PaymentOrder] = "payment-orders",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown Kafka profile."),
    };
}
