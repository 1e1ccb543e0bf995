namespace Backoffice.Kafka;

public static class KafkaConnection
{
    /// <summary>Aspire connection string name that carries the bootstrap servers.</summary>
    public const string ConnectionStringName = "kafka";
}
