using Backoffice.Api.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backoffice.Api.OpenApi;

/// <summary>Error responses are documented as <c>application/problem+json</c> only, each with what it means here.</summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["400"] = "INVALID_ID (bad path id) or INVALID_PARAMETER (bad query parameter, named in `parameter` and `errors`). Audited.",
        ["401"] = "UNAUTHORIZED: no bearer token, or an invalid one (see WWW-Authenticate). Not audited.",
        ["403"] = "FORBIDDEN: a valid token without ADMIN_READ or ADMIN_AUDIT. Not audited.",
        ["404"] = "NOT_FOUND: no such resource. Audited.",
        ["429"] = "RATE_LIMITED: this caller (token actor, or client address without a valid token) exceeded RateLimiting:PermitsPerSecond "
                  + "/ RateLimiting:Burst. Retry after the Retry-After header's seconds. Not audited.",
        ["503"] = "AUDIT_UNAVAILABLE (the audit row could not be committed, so no data is returned), DATABASE_TIMEOUT (the query "
                  + "exceeded Database:CommandTimeout; audited with result TIMEOUT) or DATABASE_UNAVAILABLE. Retry later.",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (!int.TryParse(status, out var code) || code < 400 || response is not OpenApiResponse concrete)
            {
                continue;
            }

            if (concrete.Content is { Count: > 0 } content)
            {
                var schema = content.Values.Select(media => media.Schema).FirstOrDefault(schema => schema is not null);
                content.Clear();
                content[ApiProblems.ContentType] = new OpenApiMediaType { Schema = schema };
            }

            if (Descriptions.TryGetValue(status, out var description))
            {
                concrete.Description = description;
            }

            if (code == StatusCodes.Status429TooManyRequests)
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before the caller's next request can be served.",
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                };
            }
        }

        return Task.CompletedTask;
    }
}
