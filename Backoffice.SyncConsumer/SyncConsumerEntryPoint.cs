namespace Backoffice.SyncConsumer;

/// <summary>
/// Names this assembly for <c>WebApplicationFactory&lt;SyncConsumerEntryPoint&gt;</c>: the API project
/// also has a top-level <c>Program</c>, so tests cannot use that name.
/// </summary>
public sealed class SyncConsumerEntryPoint;
