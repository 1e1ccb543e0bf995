using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backoffice.Api.OpenApi;

/// <summary>Declares the bearer JWT scheme and requires it on every operation behind an authorization policy.</summary>
internal sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public const string SchemeName = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Backoffice Admin API";
        document.Info.Description =
            "Read-only transaction tracing for administrators. Every lookup is audited; errors are RFC 9457 problem details "
            + "with a machine `code` and the request's `trace_id`.";

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from the configured OIDC issuer (Microsoft Entra ID or another), "
                          + "carrying the ADMIN_READ or ADMIN_AUDIT role in its `roles` or `role` claim.",
        };

        var protectedOperations = context.DescriptionGroups
            .SelectMany(group => group.Items)
            .Where(description => description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
            .Select(description => (Path: "/" + description.RelativePath?.TrimStart('/'), Method: description.HttpMethod))
            .ToHashSet();

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                if (!protectedOperations.Contains((path, method.Method)))
                {
                    continue;
                }

                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SchemeName, document)] = [],
                });
            }
        }

        return Task.CompletedTask;
    }
}
