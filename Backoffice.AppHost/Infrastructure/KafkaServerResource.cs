namespace Backoffice.AppHost.Infrastructure;

/// <summary>
/// A Kafka broker container (<c>confluentinc/confluent-local</c>, KRaft, no ZooKeeper). Aspire.Hosting.Kafka is not
/// available to this project, so this is the small part of it we need: the connection string is the
/// bootstrap servers reachable from host processes.
/// </summary>
public sealed class KafkaServerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    /// <summary>Listener published to host processes (the consumer, the API, the simulator).</summary>
    internal const string HostEndpointName = "tcp";

    /// <summary>Listener for other containers on the Aspire network (Kafka UI).</summary>
    internal const string ContainerEndpointName = "internal";

    public EndpointReference HostEndpoint => new(this, HostEndpointName);

    public EndpointReference ContainerEndpoint => new(this, ContainerEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{HostEndpoint.Property(EndpointProperty.HostAndPort)}");
}
