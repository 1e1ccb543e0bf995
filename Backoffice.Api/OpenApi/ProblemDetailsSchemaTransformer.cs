using Backoffice.Api.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backoffice.Api.OpenApi;

/// <summary>Adds the members every problem of this API carries to the ProblemDetails schema.</summary>
internal sealed class ProblemDetailsSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(ProblemDetails))
        {
            return Task.CompletedTask;
        }

        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties[ApiProblems.CodeKey] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "Machine-readable error code, e.g. INVALID_ID, INVALID_PARAMETER, NOT_FOUND, UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, "
                          + "AUDIT_UNAVAILABLE, DATABASE_TIMEOUT.",
        };
        schema.Properties[ApiProblems.TraceIdKey] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "W3C trace id of the request; also in the audit row and the spans.",
        };
        schema.Properties[ApiProblems.ParameterKey] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "For INVALID_ID and INVALID_PARAMETER: the (first) offending parameter.",
        };
        schema.Properties[ApiProblems.ErrorsKey] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "For INVALID_ID and INVALID_PARAMETER: each offending parameter and what is wrong with it.",
            AdditionalProperties = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        schema.Required ??= new HashSet<string>();
        schema.Required.Add(ApiProblems.CodeKey);
        schema.Required.Add(ApiProblems.TraceIdKey);
        return Task.CompletedTask;
    }
}
