using Backoffice.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Backoffice.AppHost.Services;

/// <summary>The Backoffice's own processes: migrator, Sync Consumer, Admin API and (in development) the event simulator.</summary>
public static class BackofficeServices
{
    /// <summary>
    /// Applies the EF Core migrations and exits; the services wait for it to finish. Deployments run the same
    /// command as an azd hook before the services are updated (azure.yaml), so it is not a container app.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddMigrations(
        this IDistributedApplicationBuilder builder, BackofficeInfrastructure infrastructure) =>
        builder.AddProject<Projects.Backoffice_Migrator>("migrations")
            .WithDatabase(infrastructure)
            .ExcludeFromManifest();

    public static IResourceBuilder<ProjectResource> AddSyncConsumer(
        this IDistributedApplicationBuilder builder,
        BackofficeInfrastructure infrastructure,
        IResourceBuilder<ProjectResource> migrations)
    {
        var consumer = builder.AddProject<Projects.Backoffice_SyncConsumer>("sync-consumer")
            .WithDatabase(infrastructure)
            .WithKafka(infrastructure)
            .WaitForCompletion(migrations)
            .WithHttpHealthCheck("/health")
            .WithPageLinks(("/metrics", "Prometheus metrics"), ("/health", "Readiness"));

        if (infrastructure.Mode == InfrastructureMode.Containers)
        {
            // A real broker only knows a topic once something created it; the demo's consumer may subscribe first.
            consumer.WithEnvironment("Consumer__Kafka__allow.auto.create.topics", "true");
        }

        if (!builder.ExecutionContext.IsPublishMode)
        {
            // Running against external servers (README): the profile and Event Hubs secret come from the AppHost's configuration.
            if (builder.Configuration["Consumer:Profile"] is { Length: > 0 } runProfile)
            {
                consumer.WithEnvironment("Consumer__Profile", runProfile);
            }

            if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString("eventhubs")))
            {
                consumer.WithReference(builder.AddConnectionString("eventhubs"));
            }
        }
        else
        {
            // Azure: Event Hubs' Kafka endpoint. cloud-test authenticates with the namespace connection string,
            // cloud-secure with the app's managed identity (data contract §1).
            var profile = builder.AddParameter("consumer-profile", "cloud-test", publishValueAsDefault: true);
            consumer.WithEnvironment("Consumer__Profile", profile)
                .WithReference(builder.AddConnectionString("eventhubs"));
        }

        return consumer;
    }

    public static IResourceBuilder<ProjectResource> AddAdminApi(
        this IDistributedApplicationBuilder builder,
        BackofficeInfrastructure infrastructure,
        IResourceBuilder<ProjectResource> migrations)
    {
        var api = builder.AddProject<Projects.Backoffice_Api>("admin-api")
            .WithDatabase(infrastructure)
            .WaitForCompletion(migrations)
            .WithExternalHttpEndpoints()
            .WithHttpHealthCheck("/health")
            .WithPageLinks(("/scalar", "API reference (Scalar)"), ("/openapi/v1.json", "OpenAPI document"));

        if (builder.ExecutionContext.IsPublishMode)
        {
            // Outside development every lookup needs a token: AUTH_MODE=disabled is refused in Production.
            api.WithEnvironment("Auth__Mode", "oidc")
                .WithEnvironment("Auth__Authority", builder.AddParameter("api-oidc-authority"))
                .WithEnvironment("Auth__Audience", builder.AddParameter("api-oidc-audience"))
                .WithEnvironment("Lookups__CursorKey", builder.AddParameter(
                    "api-cursor-key",
                    new GenerateParameterDefault { MinLength = 48, Special = false },
                    secret: true));
        }

        return api;
    }

    /// <summary>
    /// Demo traffic while developing: payments, legs, duplicates, stale versions and a few malformed messages
    /// (tools/Backoffice.Simulator). Never part of a deployment.
    /// </summary>
    public static IResourceBuilder<ProjectResource>? AddDemoTraffic(
        this IDistributedApplicationBuilder builder,
        BackofficeInfrastructure infrastructure,
        IResourceBuilder<ProjectResource> consumer)
    {
        if (builder.ExecutionContext.IsPublishMode || !builder.Configuration.GetValue("Simulator:Enabled", true))
        {
            return null;
        }

        var simulator = builder.AddProject<Projects.Backoffice_Simulator>("simulator")
            .WithKafka(infrastructure)
            .WaitFor(consumer);
        foreach (var setting in builder.Configuration.GetSection("Simulator").AsEnumerable(makePathsRelative: true))
        {
            if (setting.Value is not null && setting.Key != "Enabled")
            {
                simulator.WithEnvironment($"Simulator__{setting.Key.Replace(":", "__", StringComparison.Ordinal)}", setting.Value);
            }
        }

        return simulator;
    }

    /// <summary>Links on the dashboard's resource page to pages of the service's http endpoint.</summary>
    private static IResourceBuilder<ProjectResource> WithPageLinks(
        this IResourceBuilder<ProjectResource> service, params (string Path, string DisplayText)[] pages) =>
        service.WithUrls(context =>
        {
            var http = context.Urls.FirstOrDefault(url => url.Endpoint?.EndpointName == "http");
            if (http is null)
            {
                return;
            }

            foreach (var (path, displayText) in pages)
            {
                context.Urls.Add(new ResourceUrlAnnotation
                {
                    Url = http.Url.TrimEnd('/') + path,
                    DisplayText = displayText,
                    Endpoint = http.Endpoint,
                });
            }
        });
}
