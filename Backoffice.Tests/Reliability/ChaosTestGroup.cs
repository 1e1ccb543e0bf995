namespace Backoffice.Tests.Reliability;

/// <summary>
/// The chaos runs: child processes killed and restarted, servers taken down, a CPU-heavy stream.
/// They run alone, after the parallel tests, so neither disturbs the other's timing.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosTestGroup
{
    public const string Name = "Reliability";
}
