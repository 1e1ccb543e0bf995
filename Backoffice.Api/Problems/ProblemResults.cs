using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Backoffice.Api.Problems;

/// <summary>
/// A typed result for a problem response. Unlike <c>NotFound&lt;ProblemDetails&gt;</c> (written as
/// <c>application/json</c>) it is written by the problem details service as
/// <c>application/problem+json</c>, and it tells OpenAPI so.
/// </summary>
public abstract class ProblemResult(ProblemDetails problem) : IResult, IStatusCodeHttpResult, IValueHttpResult<ProblemDetails>, IValueHttpResult
{
    public ProblemDetails Value { get; } = problem;

    object? IValueHttpResult.Value => Value;

    public int? StatusCode => Value.Status;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Problem(Value).ExecuteAsync(httpContext);

    protected static void Describe(EndpointBuilder builder, int statusCode) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, typeof(ProblemDetails), [ApiProblems.ContentType]));
}

/// <summary>404 with a problem body.</summary>
public sealed class NotFoundProblem : ProblemResult, IEndpointMetadataProvider
{
    public NotFoundProblem(ProblemDetails problem) : base(problem) =>
        ArgumentOutOfRangeException.ThrowIfNotEqual(problem.Status ?? 0, StatusCodes.Status404NotFound);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Describe(builder, StatusCodes.Status404NotFound);
}

/// <summary>400 with a problem body.</summary>
public sealed class BadRequestProblem : ProblemResult, IEndpointMetadataProvider
{
    public BadRequestProblem(ProblemDetails problem) : base(problem) =>
        ArgumentOutOfRangeException.ThrowIfNotEqual(problem.Status ?? 0, StatusCodes.Status400BadRequest);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Describe(builder, StatusCodes.Status400BadRequest);
}
