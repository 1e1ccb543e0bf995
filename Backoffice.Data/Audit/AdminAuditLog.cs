using System.Net;

namespace Backoffice.Data.Audit;

/// <summary>One admin lookup (<c>bo.admin_audit_logs</c>). Insert-only: never updated or deleted by the application.</summary>
public sealed class AdminAuditLog
{
    public long Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string ActorId { get; set; }
    public string? ActorName { get; set; }
    public required string[] ActorRoles { get; set; }
    public required string AuthMode { get; set; }
    public required string Action { get; set; }
    public required string Route { get; set; }
    public required string ResourceType { get; set; }
    public required string ResourceId { get; set; }
    /// <summary>List parameters as a JSON object (jsonb), null for single lookups.</summary>
    public string? Query { get; set; }
    public required string Result { get; set; }
    public int StatusCode { get; set; }
    public double DurationMs { get; set; }
    public int ResultCount { get; set; }
    public string? TraceId { get; set; }
    public IPAddress? ClientIp { get; set; }
    public string? UserAgent { get; set; }
}

public static class AuditResults
{
    public const string Found = "FOUND";
    public const string NotFound = "NOT_FOUND";
    public const string Invalid = "INVALID";
}
