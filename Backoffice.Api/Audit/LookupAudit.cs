using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Backoffice.Api.Auth;
using Backoffice.Api.Limits;
using Backoffice.Api.Lookups;
using Backoffice.Api.Problems;
using Backoffice.Data.Audit;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Audit;

/// <summary>What an audited lookup endpoint is: its audit action, resource, and the span tag for its id.</summary>
/// <param name="ResourceRouteParameter">The route parameter holding the looked-up id.</param>
/// <param name="QueryParameters">List parameters recorded (raw) in the row's <c>query</c>.</param>
public sealed record LookupAuditMetadata(
    string Action,
    string ResourceType,
    string ResourceRouteParameter,
    string SpanTag,
    IReadOnlyList<string> QueryParameters);

public static class LookupAuditExtensions
{
    /// <summary>
    /// Audits every call that reaches the handler, one whose query timed out included (the inner
    /// <see cref="QueryTimeoutFilter"/> turns that into a result), and tags the request span with
    /// the looked-up id.
    /// </summary>
    public static RouteHandlerBuilder WithLookupAudit(this RouteHandlerBuilder builder, LookupAuditMetadata metadata) =>
        builder.WithMetadata(metadata)
            .AddEndpointFilterFactory(static (context, next) => Shared<LookupAuditFilter>(context, next))
            .AddEndpointFilterFactory(static (context, next) => Shared<QueryTimeoutFilter>(context, next));

    /// <summary>
    /// The filter's one instance (both are stateless singletons): <c>AddEndpointFilter&lt;T&gt;</c>
    /// would build a new one, resolving its dependencies, on every request.
    /// </summary>
    private static EndpointFilterDelegate Shared<TFilter>(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
        where TFilter : IEndpointFilter
    {
        var filter = context.ApplicationServices.GetRequiredService<TFilter>();
        return invocation => filter.InvokeAsync(invocation, next);
    }
}

/// <summary>
/// Writes the audit row of a lookup after the handler has produced its result and before the
/// result is written: if the row cannot be committed the caller gets 503 and no data (fail closed).
/// Requests rejected by authentication or authorization never get here, so they leave no row.
/// </summary>
internal sealed class LookupAuditFilter(
    AuditWriter writer,
    AdminAuthOptions authOptions,
    TimeProvider timeProvider,
    IOptions<AuditOptions> options) : IEndpointFilter
{
    private const int MaxQueryValueLength = 256;
    private const int MaxRoles = 50;
    private const int MaxRoleLength = 128;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        var endpoint = httpContext.GetEndpoint();
        var lookup = endpoint?.Metadata.GetMetadata<LookupAuditMetadata>()
                     ?? throw new InvalidOperationException("An audited endpoint lacks its LookupAuditMetadata.");
        var started = timeProvider.GetTimestamp();
        var occurredAt = timeProvider.GetUtcNow();

        var resourceId = AuditText.Clip(
            httpContext.Request.RouteValues[lookup.ResourceRouteParameter] as string, LookupId.MaxLength) ?? string.Empty;
        // Only on a span that records: without an exporter the request activity only carries the
        // trace id, and a tag on it would be a tag list allocated per request for nobody.
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(lookup.SpanTag, resourceId);
        }

        var result = await next(context);
        // A Results<…> union wraps the result the handler chose.
        var outcome = result is INestedHttpResult nested ? nested.Result : result;

        var statusCode = (outcome as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        var caller = authOptions.Mode == AuthModes.Disabled ? AdminCaller.Anonymous : AdminCaller.Of(httpContext);
        var row = new AdminAuditLog
        {
            OccurredAt = occurredAt,
            ActorId = AuditText.Clip(caller.ActorId, 256)!,
            ActorName = AuditText.Clip(caller.ActorName, 256),
            ActorRoles = AuditRoles(caller.Roles),
            AuthMode = authOptions.Mode,
            Action = lookup.Action,
            Route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? httpContext.Request.Path.ToString(),
            ResourceType = lookup.ResourceType,
            ResourceId = resourceId,
            Query = QueryJson(httpContext.Request.Query, lookup.QueryParameters),
            Result = outcome is DatabaseTimeoutProblem
                ? QueryTimeouts.AuditResult
                : statusCode switch
                {
                    StatusCodes.Status200OK => AuditResults.Found,
                    StatusCodes.Status404NotFound => AuditResults.NotFound,
                    _ => AuditResults.Invalid,
                },
            StatusCode = statusCode,
            DurationMs = timeProvider.GetElapsedTime(started).TotalMilliseconds,
            ResultCount = statusCode == StatusCodes.Status200OK
                ? (outcome as IValueHttpResult)?.Value is IListResult list ? list.ItemCount : 1
                : 0,
            TraceId = ApiProblems.TraceId(httpContext),
            ClientIp = ClientAddress(httpContext),
            UserAgent = AuditText.Clip(httpContext.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null,
                options.Value.MaxUserAgentLength),
        };

        try
        {
            await writer.WriteAsync(row);
        }
        catch (AuditWriteException)
        {
            return TypedResults.Problem(ApiProblems.AuditUnavailable(httpContext));
        }

        return result;
    }

    /// <summary>
    /// At most <see cref="MaxRoles"/> roles, each clipped. The caller's own array when nothing needs
    /// cutting (the usual case): a cached caller's roles are then shared by its rows, never copied.
    /// </summary>
    private static string[] AuditRoles(IReadOnlyList<string> roles)
    {
        if (roles is string[] { Length: <= MaxRoles } array && Array.TrueForAll(array, static role => AuditText.IsStorable(role, MaxRoleLength)))
        {
            return array;
        }

        var audited = new string[Math.Min(roles.Count, MaxRoles)];
        for (var i = 0; i < audited.Length; i++)
        {
            audited[i] = AuditText.Clip(roles[i], MaxRoleLength)!;
        }

        return audited;
    }

    /// <summary>The list parameters as sent (clipped), so an INVALID row shows what was rejected.</summary>
    private static string? QueryJson(IQueryCollection query, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (query.TryGetValue(name, out var value))
            {
                values[name] = AuditText.Clip(value.ToString(), MaxQueryValueLength)!;
            }
        }

        return JsonSerializer.Serialize(values);
    }

    private static IPAddress? ClientAddress(HttpContext httpContext) =>
        httpContext.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped
            ? mapped.MapToIPv4()
            : httpContext.Connection.RemoteIpAddress;
}
