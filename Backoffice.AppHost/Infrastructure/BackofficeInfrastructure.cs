using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Backoffice.AppHost.Infrastructure;

/// <summary>The Backoffice database and the Kafka broker, whichever way they are provided.</summary>
/// <param name="Database">Connection string <c>backoffice</c> (Npgsql format).</param>
/// <param name="Kafka">Connection string <c>kafka</c> (bootstrap servers).</param>
/// <param name="Servers">The resources that must be healthy before a service may use them.</param>
public sealed record BackofficeInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    IResourceBuilder<IResource>? DatabaseServer,
    IResourceBuilder<IResource>? KafkaServer);

public static class BackofficeInfrastructureExtensions
{
    public const string DatabaseName = "backoffice";
    public const string KafkaName = "kafka";

    /// <summary>Topic names of the consumer's <c>local</c> profile (data contract §1).</summary>
    private const string LocalProfileTopics = "bo.ledger-entries.v1,bo.payment-orders.v1";

    /// <summary>
    /// PostgreSQL with the <c>backoffice</c> database and a Kafka broker: containers where a container runtime
    /// answers, otherwise PostgreSQL from the machine's binaries and the local Kafka-protocol broker
    /// (see <see cref="InfrastructureModeResolver"/>).
    /// </summary>
    public static BackofficeInfrastructure AddBackofficeInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var mode = InfrastructureModeResolver.Resolve(builder.Configuration, builder.ExecutionContext.IsPublishMode);
        if (mode == InfrastructureMode.External)
        {
            return new BackofficeInfrastructure(
                mode, builder.AddConnectionString(DatabaseName), builder.AddConnectionString(KafkaName), null, null);
        }

        var password = builder.AddParameter(
            "postgres-password",
            new GenerateParameterDefault { MinLength = 24, Special = false },
            secret: true,
            persist: true);

        return mode == InfrastructureMode.Containers
            ? builder.AddContainerInfrastructure(password)
            : builder.AddLocalInfrastructure(password);
    }

    /// <summary>Gives a service the <c>backoffice</c> connection string once the database server is healthy.</summary>
    public static IResourceBuilder<T> WithDatabase<T>(this IResourceBuilder<T> service, BackofficeInfrastructure infrastructure)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        service.WithReference(infrastructure.Database).WaitForServer(infrastructure.DatabaseServer);

    /// <summary>Gives a service the <c>kafka</c> connection string once the broker is healthy.</summary>
    public static IResourceBuilder<T> WithKafka<T>(this IResourceBuilder<T> service, BackofficeInfrastructure infrastructure)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        service.WithReference(infrastructure.Kafka).WaitForServer(infrastructure.KafkaServer);

    private static IResourceBuilder<T> WaitForServer<T>(this IResourceBuilder<T> service, IResourceBuilder<IResource>? server)
        where T : IResourceWithWaitSupport =>
        server is null ? service : service.WaitFor(server);

    private static BackofficeInfrastructure AddContainerInfrastructure(
        this IDistributedApplicationBuilder builder, IResourceBuilder<ParameterResource> password)
    {
        var postgres = builder.AddPostgres("postgres", password: password)
            .WithDataVolume("backoffice-postgres-data");
        var database = postgres.AddDatabase(DatabaseName);
        var kafka = builder.AddKafkaContainer(KafkaName).WithKafkaUi();
        return new BackofficeInfrastructure(InfrastructureMode.Containers, database, kafka, postgres, kafka);
    }

    private static BackofficeInfrastructure AddLocalInfrastructure(
        this IDistributedApplicationBuilder builder, IResourceBuilder<ParameterResource> password)
    {
        var options = new LocalInfrastructureOptions();
        builder.Configuration.GetSection(LocalInfrastructureOptions.SectionName).Bind(options);

        var postgresServer = builder.AddProject<Projects.Backoffice_LocalPostgres>("postgres")
            .WithEndpoint(port: options.PostgresPort, targetPort: options.PostgresPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithArgs("--port", options.PostgresPort.ToString(CultureInfo.InvariantCulture), "--database", DatabaseName)
            .WithArgs(context =>
            {
                if (!string.IsNullOrWhiteSpace(options.PostgresDataDir))
                {
                    context.Args.Add("--data-dir");
                    context.Args.Add(options.PostgresDataDir);
                }
            })
            .WithEnvironment("POSTGRES_PASSWORD", password);
        var postgresEndpoint = postgresServer.GetEndpoint("tcp");

        var database = builder.AddConnectionString(
            DatabaseName,
            ReferenceExpression.Create(
                $"Host={postgresEndpoint.Property(EndpointProperty.Host)};Port={postgresEndpoint.Property(EndpointProperty.Port)};Database={DatabaseName};Username=postgres;Password={password.Resource}"));

        var healthCheckKey = "postgres-accepts-connections";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new PostgresConnectionHealthCheck(database.Resource),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));
        postgresServer.WithHealthCheck(healthCheckKey);

        var kafkaServer = builder.AddProject<Projects.Backoffice_LocalKafka>("kafka-broker")
            .WithEndpoint(port: options.KafkaPort, targetPort: options.KafkaPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHttpEndpoint(port: options.KafkaControlPort, targetPort: options.KafkaControlPort, name: "control", isProxied: false)
            .WithArgs(
                "--port", options.KafkaPort.ToString(CultureInfo.InvariantCulture),
                "--control-port", options.KafkaControlPort.ToString(CultureInfo.InvariantCulture),
                "--partitions", "3",
                // Consumers do not create topics; the local profile's topics must exist before they subscribe.
                "--topics", LocalProfileTopics)
            .WithHttpHealthCheck("/health", endpointName: "control");
        var kafkaEndpoint = kafkaServer.GetEndpoint("tcp");
        var kafka = builder.AddConnectionString(
            KafkaName,
            ReferenceExpression.Create($"{kafkaEndpoint.Property(EndpointProperty.Host)}:{kafkaEndpoint.Property(EndpointProperty.Port)}"));

        return new BackofficeInfrastructure(InfrastructureMode.Local, database, kafka, postgresServer, kafkaServer);
    }

    /// <summary>Healthy once the server accepts a connection to the <c>backoffice</c> database.</summary>
    private sealed class PostgresConnectionHealthCheck(IResourceWithConnectionString database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not accept connections yet.", ex);
            }
        }
    }
}

/// <summary>Settings of the no-container mode (<c>Infrastructure:Local</c>).</summary>
public sealed class LocalInfrastructureOptions
{
    public const string SectionName = "Infrastructure:Local";

    public int PostgresPort { get; set; } = 55432;

    /// <summary>Persistent data directory; the tool's default (<c>/var/tmp/backoffice/postgres-&lt;port&gt;</c>) when empty.</summary>
    public string? PostgresDataDir { get; set; }

    public int KafkaPort { get; set; } = 19092;

    public int KafkaControlPort { get; set; } = 19093;
}
