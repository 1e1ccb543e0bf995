using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backoffice.AppHost.Infrastructure;

public static class KafkaResourceBuilderExtensions
{
    private const int HostListenerPort = 9092;
    private const int ContainerListenerPort = 9093;

    /// <summary>Adds a single-node Kafka broker container whose connection string is its bootstrap servers.</summary>
    public static IResourceBuilder<KafkaServerResource> AddKafkaContainer(this IDistributedApplicationBuilder builder, string name)
    {
        var kafka = new KafkaServerResource(name);
        var healthCheckKey = $"{name}-metadata";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new KafkaMetadataHealthCheck(kafka),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        return builder.AddResource(kafka)
            .WithImage("confluentinc/confluent-local", "7.9.0")
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: HostListenerPort, name: KafkaServerResource.HostEndpointName)
            .WithEndpoint(targetPort: ContainerListenerPort, name: KafkaServerResource.ContainerEndpointName)
            .WithEnvironment(context =>
            {
                // Two listeners: one advertised with the host-mapped port for processes on the host,
                // one with the container name for containers on the Aspire network.
                context.EnvironmentVariables["KAFKA_LISTENERS"] =
                    $"PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:{HostListenerPort},PLAINTEXT_INTERNAL://0.0.0.0:{ContainerListenerPort}";
                context.EnvironmentVariables["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] =
                    "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT";
                context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                    $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{kafka.HostEndpoint.Property(EndpointProperty.Port)},PLAINTEXT_INTERNAL://{kafka.Name}:{ContainerListenerPort.ToString(CultureInfo.InvariantCulture)}");
                // Topics are created by the first producer; three partitions let several consumers share the work.
                context.EnvironmentVariables["KAFKA_NUM_PARTITIONS"] = "3";
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Adds Kafka UI (provectuslabs/kafka-ui) pointed at the broker's container listener.</summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUi(this IResourceBuilder<KafkaServerResource> kafka)
    {
        kafka.ApplicationBuilder.AddContainer($"{kafka.Resource.Name}-ui", "provectuslabs/kafka-ui", "v0.7.2")
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 8080)
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", kafka.Resource.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", $"{kafka.Resource.Name}:{ContainerListenerPort.ToString(CultureInfo.InvariantCulture)}")
            .WithParentRelationship(kafka)
            .WaitFor(kafka)
            .ExcludeFromManifest();
        return kafka;
    }

    /// <summary>Healthy once the broker answers a metadata request.</summary>
    private sealed class KafkaMetadataHealthCheck(IResourceWithConnectionString kafka) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var bootstrapServers = await kafka.ConnectionStringExpression.GetValueAsync(cancellationToken);
            var config = new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 };
            try
            {
                using var admin = new AdminClientBuilder(config).Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
                return metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("The broker answered without any broker in its metadata.");
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy("The broker does not answer metadata requests.", ex);
            }
        }
    }
}
