using System.Text.Json;
using Backoffice.Api.Auth;
using Backoffice.Api.Hosting;
using Backoffice.Api.Limits;
using Backoffice.Api.Problems;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Lookups;

public static class LookupsExtensions
{
    /// <summary>snake_case JSON with RFC 3339 UTC timestamps, and the wallet cursor codec.</summary>
    public static IHostApplicationBuilder AddAdminLookups(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.Converters.Add(new UtcTimestampJsonConverter());
        });

        builder.Services.AddOptions<LookupOptions>()
            .BindConfiguration(LookupOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LookupOptions>, LookupOptionsValidator>();
        builder.Services.AddSingleton<WalletCursorCodec>();
        builder.Services.AddSingleton<TransactionLookups>();
        builder.Services.AddHostedService<LookupWarmUp>();
        return builder;
    }

    /// <summary>
    /// The three lookups under <c>/admin</c>, all behind the lookup policy: a request without a valid
    /// token (401) or role (403) is rejected before any handler, audit or query runs.
    /// </summary>
    public static IEndpointRouteBuilder MapAdminLookups(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin")
            .RequireAuthorization(AuthExtensions.LookupPolicy)
            .RequireCallerRateLimit()
            .WithTags("Admin lookups")
            .ProducesProblem(StatusCodes.Status401Unauthorized, ApiProblems.ContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden, ApiProblems.ContentType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable, ApiProblems.ContentType);

        admin.MapTransactionEndpoints();
        admin.MapPaymentOrderEndpoints();
        admin.MapWalletEndpoints();
        return endpoints;
    }
}
