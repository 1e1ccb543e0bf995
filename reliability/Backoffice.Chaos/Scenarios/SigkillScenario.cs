using System.Globalization;
using Backoffice.Chaos.Environment;

namespace Backoffice.Chaos.Scenarios;

public sealed record SigkillOptions : ChaosOptions
{
    public int Kills { get; init; } = 5;
}

/// <summary>
/// The consumer, a child process, is killed with SIGKILL at random points while it drains the
/// stream (no shutdown code runs: the batch in flight, its transaction and its offset commit are cut
/// wherever they are) and started again each time, as an orchestrator restarts a crashed pod.
/// </summary>
public static class SigkillScenario
{
    public const string Name = "sigkill";

    public static async Task<ScenarioResult> RunAsync(ChaosEnvironment environment, SigkillOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = await ChaosRun.StartAsync(Name, environment, options, null, cancellationToken);
        var random = new Random(unchecked((int)options.Seed));
        var killPoints = StratifiedPoints(random, options.Kills, 0.05, 0.9);
        var consumer = run.Fleet.Start();
        var killedAt = new List<double>();
        foreach (var point in killPoints)
        {
            await run.WaitForProgressAsync(point, cancellationToken);
            // A little further on, at a random moment within about one batch's time: the progress poll
            // must not line the kills up with commits, and a longer wait let a short stream (the test's)
            // drain completely before the last kill.
            await Task.Delay(random.Next(0, 50), cancellationToken);
            killedAt.Add(await run.RecordFaultAsync("sigkill", $"{consumer.Name} (pid {consumer.Id.ToString(CultureInfo.InvariantCulture)})") ?? point);
            var status = await run.Fleet.KillAsync(consumer, cancellationToken);
            if (status != 137)
            {
                run.Problem($"{consumer.Name} ended with exit status {status} after SIGKILL, not 137");
            }

            consumer = run.Fleet.Start();
        }

        if (killedAt.Any(p => p >= 1.0))
        {
            run.Problem("a kill happened after the stream was drained; use more events");
        }

        return await run.FinishAsync(cancellationToken, new Dictionary<string, object>
        {
            ["kill_points"] = killedAt.Select(p => Math.Round(p, 4)).ToList(),
        });
    }

    /// <summary><paramref name="count"/> random points in [<paramref name="from"/>, <paramref name="to"/>), one in each of as many equal slices, so they spread over the stream.</summary>
    public static IReadOnlyList<double> StratifiedPoints(Random random, int count, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(random);
        var width = (to - from) / count;
        return Enumerable.Range(0, count).Select(i => from + (width * i) + (random.NextDouble() * width)).ToList();
    }
}
