using Scalar.AspNetCore;

namespace Backoffice.Api.OpenApi;

public static class OpenApiExtensions
{
    /// <summary>The OpenAPI document: every lookup, its parameters with their constraints, its responses and the bearer scheme.</summary>
    public static IHostApplicationBuilder AddAdminOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<BearerSecuritySchemeTransformer>();
            options.AddOperationTransformer<LookupParametersTransformer>();
            options.AddOperationTransformer<ProblemResponsesTransformer>();
            options.AddSchemaTransformer<ProblemDetailsSchemaTransformer>();
        });
        return builder;
    }

    /// <summary>
    /// <c>/openapi/v1.json</c> in every environment (it documents the contract, and reveals nothing a
    /// caller could not learn by calling); the Scalar reference UI at <c>/scalar</c> in Development.
    /// </summary>
    public static WebApplication MapAdminOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference().AllowAnonymous();
        }

        return app;
    }
}
