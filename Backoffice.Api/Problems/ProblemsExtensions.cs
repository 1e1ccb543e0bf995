using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Backoffice.Api.Problems;

public static class ProblemsExtensions
{
    /// <summary>Every error response is problem+json with <c>code</c> and <c>trace_id</c>.</summary>
    public static IHostApplicationBuilder AddApiProblemDetails(this IHostApplicationBuilder builder)
    {
        // Registered before AddProblemDetails so it precedes the default writer, which declines
        // clients whose Accept header does not name JSON.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonWriter>());
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>
    /// Unhandled exceptions become problem details (503 when the database is unreachable, 500
    /// otherwise); empty error responses (unknown route, wrong method, 401, 403) get a problem body.
    /// </summary>
    public static WebApplication UseApiProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = static exception => IsDatabaseUnavailable(exception)
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    private static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        TimeoutException or RetryLimitExceededException => true,
        _ when exception.InnerException is { } inner => IsDatabaseUnavailable(inner),
        _ => false,
    };
}
