namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>
/// The API test classes run one after another. OpenTelemetry subscribes to meters by name across
/// the whole process, so two API hosts alive at once would export each other's measurements and
/// the metric assertions would read the wrong host.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ApiTestGroup
{
    public const string Name = "Admin API";
}
