using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Scenarios;
using Backoffice.Chaos.Soak;

namespace Backoffice.Chaos.Cli;

/// <summary>The command: parse, start the private infrastructure, run the scenario, print the JSON summary.</summary>
public static class ChaosCommand
{
    public const int Passed = 0;
    public const int Failed = 1;
    public const int UsageError = 2;

    public static async Task<int> MainAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            return await RunAsync(args, Console.Out, Console.Error, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return 130;
        }
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args is ["help" or "--help" or "-h", ..])
        {
            await stdout.WriteLineAsync(ChaosArguments.Usage);
            return Passed;
        }

        var arguments = ChaosArguments.Parse(args, out var error);
        Func<ChaosEnvironment, Task<(string Json, bool Passed)>>? scenario = null;
        var quietWait = TimeSpan.Zero;
        string? logs = null;
        if (arguments is not null)
        {
            try
            {
                quietWait = TimeSpan.FromSeconds(arguments.Whole("quiet-wait-seconds", 120));
                logs = arguments.Text("logs");
                scenario = Scenario(arguments, cancellationToken);
                if (scenario is null)
                {
                    error = $"Unknown scenario '{arguments.Verb}'.";
                }
                else if (arguments.Unread.FirstOrDefault() is { } unknown)
                {
                    error = $"Unknown option --{unknown} for {arguments.Verb}.";
                }
            }
            catch (ArgumentException ex)
            {
                error = ex.Message;
            }
        }

        if (arguments is null || scenario is null || error is not null)
        {
            await stderr.WriteLineAsync($"{error}{System.Environment.NewLine}{System.Environment.NewLine}{ChaosArguments.Usage}");
            return UsageError;
        }

        var timeline = new ChaosTimeline(stderr.WriteLine);
        await WaitForQuietMachineAsync(timeline, quietWait, cancellationToken);
        await using var environment = await ChaosEnvironment.StartAsync(timeline, logs, cancellationToken);
        var (json, passed) = await scenario(environment);
        await stdout.WriteLineAsync(json);
        return passed ? Passed : Failed;
    }

    /// <summary>
    /// Other work on a 2-core machine skews every timing: wait (up to <paramref name="wait"/>) for the
    /// 1-minute load average to drop below 1.5, then run anyway; the summary records the load.
    /// </summary>
    private static async Task WaitForQuietMachineAsync(ChaosTimeline timeline, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + wait;
        while (MachineInfo.LoadAverage() is { } load && load >= 1.5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        timeline.Note($"1-minute load average {MachineInfo.LoadAverage()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
    }

    private static Func<ChaosEnvironment, Task<(string Json, bool Passed)>>? Scenario(ChaosArguments arguments, CancellationToken cancellationToken)
    {
        var oracleChecked = OracleCheckedScenario(arguments, cancellationToken);
        if (oracleChecked is not null)
        {
            return async environment =>
            {
                var load = MachineInfo.LoadAverage();
                var result = await oracleChecked(environment);
                result = result with { Machine = result.Machine with { LoadAverageAtStart = load, LoadAverageAtEnd = MachineInfo.LoadAverage() } };
                return (result.ToJson(), result.Passed);
            };
        }

        if (arguments.Verb != SoakScenario.Name)
        {
            return null;
        }

        var soak = new SoakOptions
        {
            Duration = TimeSpan.FromMinutes(arguments.Real("minutes", 10, 0.1)),
            EventsPerSecond = arguments.Real("events-per-second", 2_000, 1),
            LookupsPerSecond = arguments.Real("lookups-per-second", 500, 1),
            WarmUp = TimeSpan.FromMinutes(arguments.Real("warm-up-minutes", 2)),
            SampleEvery = TimeSpan.FromSeconds(arguments.Real("sample-seconds", 30, 1)),
            Partitions = arguments.Whole("partitions", 12, 1),
            Seed = arguments.Count("seed", 1),
            FreshnessTarget = TimeSpan.FromMilliseconds(arguments.Real("freshness-target-ms", 250, 1)),
            FetchWaitMaxMs = arguments.Whole("fetch-wait-max-ms", 10, 1),
            QuietServiceLogs = arguments.Text("quiet-service-logs") is "true",
        };
        return async environment =>
        {
            var load = MachineInfo.LoadAverage();
            var result = await SoakScenario.RunAsync(environment, soak, cancellationToken);
            result = result with { Machine = result.Machine with { LoadAverageAtStart = load, LoadAverageAtEnd = MachineInfo.LoadAverage() } };
            return (result.ToJson(), result.Passed);
        };
    }

    private static Func<ChaosEnvironment, Task<ScenarioResult>>? OracleCheckedScenario(ChaosArguments arguments, CancellationToken cancellationToken)
    {
        switch (arguments.Verb)
        {
            case SigkillScenario.Name:
                var sigkill = new SigkillOptions
                {
                    Events = arguments.Count("events", 200_000, 1),
                    Partitions = arguments.Whole("partitions", 24, 1),
                    Seed = arguments.Count("seed", 1),
                    Kills = arguments.Whole("kills", 5, 1),
                    SessionTimeout = TimeSpan.FromMilliseconds(arguments.Whole("session-timeout-ms", 3000, 1000)),
                };
                return environment => SigkillScenario.RunAsync(environment, sigkill, cancellationToken);
            case RebalanceScenario.Name:
                var rebalance = new RebalanceOptions
                {
                    Events = arguments.Count("events", 200_000, 1),
                    Partitions = arguments.Whole("partitions", 24, 1),
                    Seed = arguments.Count("seed", 1),
                    Changes = arguments.Whole("changes", 8, 1),
                    SessionTimeout = TimeSpan.FromMilliseconds(arguments.Whole("session-timeout-ms", 3000, 1000)),
                };
                return environment => RebalanceScenario.RunAsync(environment, rebalance, cancellationToken);
            case BrokerFaultScenario.Name:
                var brokerFaults = new BrokerFaultOptions
                {
                    Events = arguments.Count("events", 200_000, 1),
                    Partitions = arguments.Whole("partitions", 24, 1),
                    Seed = arguments.Count("seed", 1),
                    SessionTimeout = TimeSpan.FromMilliseconds(arguments.Whole("session-timeout-ms", 3000, 1000)),
                    EventsPerSecond = arguments.Real("events-per-second", 2_000, 1),
                    Cycles = arguments.Whole("cycles", 3, 1),
                };
                return environment => BrokerFaultScenario.RunAsync(environment, brokerFaults, cancellationToken);
            case DatabaseFaultScenario.Name:
                var databaseFaults = new DatabaseFaultOptions
                {
                    Events = arguments.Count("events", 200_000, 1),
                    Partitions = arguments.Whole("partitions", 24, 1),
                    Seed = arguments.Count("seed", 1),
                    SessionTimeout = TimeSpan.FromMilliseconds(arguments.Whole("session-timeout-ms", 3000, 1000)),
                    EventsPerSecond = arguments.Real("events-per-second", 2_000, 1),
                    Cycles = arguments.Whole("cycles", 3, 1),
                };
                return environment => DatabaseFaultScenario.RunAsync(environment, databaseFaults, cancellationToken);
            default:
                return null;
        }
    }
}
