namespace Backoffice.Api;

/// <summary>
/// Names this assembly for <c>WebApplicationFactory&lt;T&gt;</c>: the top-level <c>Program</c> is
/// ambiguous in a test project that also references the consumer.
/// </summary>
public sealed class AdminApiEntryPoint
{
    private AdminApiEntryPoint()
    {
    }
}
