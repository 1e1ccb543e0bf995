using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Processes;

namespace Backoffice.Chaos.Scenarios;

public sealed record RebalanceOptions : ChaosOptions
{
    /// <summary>Instances in the group at any time (between changes).</summary>
    public int Instances { get; init; } = 3;

    /// <summary>Membership changes: each stops one instance (SIGTERM and SIGKILL alternately) and starts a new one.</summary>
    public int Changes { get; init; } = 6;
}

/// <summary>
/// Several consumer instances in one group share the partitions (cooperative-sticky) while
/// instances are stopped gracefully (SIGTERM: finish, commit, leave) or killed (SIGKILL: the group
/// waits out the session timeout) and new ones join, every change a rebalance mid-stream.
/// </summary>
public static class RebalanceScenario
{
    public const string Name = "rebalance";

    public static async Task<ScenarioResult> RunAsync(ChaosEnvironment environment, RebalanceOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = await ChaosRun.StartAsync(Name, environment, options, null, cancellationToken);
        var random = new Random(unchecked((int)options.Seed));
        for (var i = 0; i < options.Instances; i++)
        {
            run.Fleet.Start();
        }

        var points = SigkillScenario.StratifiedPoints(random, options.Changes, 0.05, 0.9);
        for (var change = 0; change < options.Changes; change++)
        {
            await run.WaitForProgressAsync(points[change], cancellationToken);
            var live = run.Fleet.Live;
            var victim = live[random.Next(live.Count)];
            if (change % 2 == 0)
            {
                await run.RecordFaultAsync("sigterm", victim.Name);
                await run.Fleet.TerminateAsync(victim, cancellationToken);
            }
            else
            {
                await run.RecordFaultAsync("sigkill", victim.Name);
                var status = await run.Fleet.KillAsync(victim, cancellationToken);
                if (status != 137)
                {
                    run.Problem($"{victim.Name} ended with exit status {status} after SIGKILL, not 137");
                }
            }

            run.Fleet.Start();
        }

        return await run.FinishAsync(cancellationToken, new Dictionary<string, object>
        {
            ["instances"] = options.Instances,
            ["graceful_stops"] = run.Fleet.GracefulStops,
        });
    }
}
