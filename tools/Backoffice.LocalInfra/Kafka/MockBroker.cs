namespace Backoffice.LocalInfra.Kafka;

/// <summary>A broker of a <see cref="MockKafkaCluster"/> as its fault injection left it.</summary>
public sealed record MockBroker(int Id, string Address, bool IsUp, TimeSpan Rtt);
