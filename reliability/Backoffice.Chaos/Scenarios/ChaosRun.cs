using System.Globalization;
using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Oracle;
using Backoffice.Chaos.Processes;
using Backoffice.Chaos.Traffic;

namespace Backoffice.Chaos.Scenarios;

/// <summary>What every oracle-checked scenario shares.</summary>
public abstract record ChaosOptions
{
    /// <summary>Messages to simulate: payments start until this many were generated, and those started finish (a few thousand more).</summary>
    public long Events { get; init; } = 20_000;

    /// <summary>Partitions per topic. The mock broker keeps 5 MB per partition, so large runs need many.</summary>
    public int Partitions { get; init; } = 12;

    public long Seed { get; init; } = 1;

    /// <summary>The consumers' session timeout: how long a killed member holds its partitions.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the consumers may take to drain everything once the faults are over.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// 0: all traffic is produced before the consumers start (a backlog to drain); otherwise it is
    /// produced at this rate while they run, so faults on a timetable always meet a flowing stream.
    /// </summary>
    public double EventsPerSecond { get; init; }

    /// <summary>Paced traffic: how many times the scenario's sequence of faults is repeated (each in its own slice of the production time).</summary>
    public int Cycles { get; init; } = 1;

    /// <summary>How long paced production is planned to take.</summary>
    public TimeSpan PlannedProduction => EventsPerSecond > 0 ? TimeSpan.FromSeconds(Events / EventsPerSecond) : TimeSpan.Zero;
}

/// <summary>
/// One oracle-checked run: simulated traffic (the oracle knows every message and where it landed)
/// produced up front or paced, consumers draining it while the scenario injects faults at chosen
/// shares of the stream, then the drain, the comparison with the oracle and the summary.
/// </summary>
public sealed class ChaosRun : IAsyncDisposable
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    private readonly ChaosOptions _options;
    private readonly List<FaultRecord> _faults = [];
    private readonly List<string> _problems = [];
    private readonly TimeSpan _started;
    private ProducedTraffic? _traffic;
    private GroupProgress? _progress;
    private Task<ProducedTraffic>? _production;
    private TimeSpan _productionStarted;
    private long _enqueued;

    private ChaosRun(string scenario, ChaosEnvironment environment, ChaosOptions options, ChaosTopics topics, ConsumerLauncher launcher, TimeSpan started)
    {
        Scenario = scenario;
        Environment = environment;
        _options = options;
        Topics = topics;
        Fleet = new ConsumerFleet(launcher, environment.Timeline);
        _started = started;
    }

    public string Scenario { get; }

    public ChaosEnvironment Environment { get; }

    public ChaosTopics Topics { get; }

    /// <summary>The produced traffic (paced traffic: once production is over).</summary>
    public ProducedTraffic Traffic => _traffic ?? throw new InvalidOperationException("The traffic is still being produced.");

    /// <summary>The group's committed share of the traffic (paced traffic: once production is over).</summary>
    public GroupProgress Progress => _progress ?? throw new InvalidOperationException("The traffic is still being produced.");

    public ConsumerFleet Fleet { get; }

    public ChaosTimeline Timeline => Environment.Timeline;

    /// <summary>Creates the topics and, for up-front traffic, produces it all.</summary>
    public static async Task<ChaosRun> StartAsync(
        string scenario, ChaosEnvironment environment, ChaosOptions options, IReadOnlyDictionary<string, string?>? consumerSettings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var started = environment.Timeline.Elapsed;
        environment.Timeline.Note($"{scenario}: {options}");
        var topics = environment.CreateTopics(scenario, options.Partitions);
        var launcher = new ConsumerLauncher(environment, topics)
        {
            SessionTimeout = options.SessionTimeout,
            Settings = consumerSettings ?? new Dictionary<string, string?>(),
        };
        var run = new ChaosRun(scenario, environment, options, topics, launcher, started);
        if (options.EventsPerSecond == 0)
        {
            run.Produced(await ProducedTraffic.ProduceAsync(environment, topics, options.Seed, options.Events, cancellationToken: cancellationToken));
        }

        return run;
    }

    /// <summary>Paced traffic: starts producing in the background (the consumers should be running).</summary>
    public void StartProducing(CancellationToken cancellationToken)
    {
        if (_options.EventsPerSecond == 0 || _production is not null)
        {
            throw new InvalidOperationException("Only paced traffic is produced during the run, once.");
        }

        _productionStarted = Timeline.Elapsed;
        Timeline.Note($"producing {_options.Events} events at {_options.EventsPerSecond}/s");
        _production = Task.Run(
            () => ProducedTraffic.ProduceAsync(Environment, Topics, _options.Seed, _options.Events, _options.EventsPerSecond, _ => Interlocked.Increment(ref _enqueued), cancellationToken: cancellationToken),
            cancellationToken);
    }

    /// <summary>
    /// Paced traffic: waits until <paramref name="share"/> of cycle <paramref name="cycle"/>'s slice of
    /// the planned production time has passed (fails early when an instance crashed).
    /// </summary>
    public async Task AtProductionShareAsync(int cycle, double share, CancellationToken cancellationToken)
    {
        var slice = _options.PlannedProduction / _options.Cycles;
        var due = _productionStarted + (slice * cycle) + (slice * share);
        while (Timeline.Elapsed < due)
        {
            if (Fleet.Failure() is { } failure)
            {
                throw new ChaosRunException(failure);
            }

            if (_production is { IsFaulted: true } failed)
            {
                await failed;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Waits until <paramref name="fraction"/> of the stream is committed; fails when an instance crashed.</summary>
    public Task<double> WaitForProgressAsync(double fraction, CancellationToken cancellationToken) =>
        Progress.WaitForAsync(fraction, _options.DrainTimeout, Fleet.Failure, cancellationToken);

    /// <summary>
    /// Records a fault (kill, outage, injected errors) with the share of the stream committed when it
    /// happened (paced traffic: the share produced so far), and returns that share.
    /// </summary>
    public async Task<double?> RecordFaultAsync(string kind, string detail)
    {
        var fraction = _progress is { } progress ? await progress.FractionAsync() : Interlocked.Read(ref _enqueued) / (double)_options.Events;
        _faults.Add(new FaultRecord(kind, Math.Round(Timeline.Elapsed.TotalSeconds, 2), fraction is { } f ? Math.Round(f, 4) : null, detail));
        Timeline.Note($"fault {kind} at {(fraction is { } p ? p.ToString("P1", CultureInfo.InvariantCulture) : "unknown progress")}: {detail}");
        return fraction;
    }

    public void Problem(string problem)
    {
        _problems.Add(problem);
        Timeline.Note($"problem: {problem}");
    }

    /// <summary>
    /// Waits until every message is committed, compares the database with the oracle (again, for a
    /// short while, if a straggler is still writing), stops the consumers gracefully and summarises.
    /// </summary>
    public async Task<ScenarioResult> FinishAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, object>? details = null)
    {
        if (_production is { } production)
        {
            Produced(await production);
        }

        var drained = false;
        try
        {
            await WaitForProgressAsync(1.0, cancellationToken);
            drained = true;
            Timeline.Note($"every one of {Progress.Total} messages committed");
        }
        catch (ChaosRunException ex)
        {
            Problem(ex.Message);
        }

        var report = await SettleAsync(cancellationToken);
        Timeline.Note(report.Matches ? "the database equals the oracle" : report.Describe());
        await Fleet.StopAllAsync(cancellationToken);
        foreach (var problem in Fleet.GracefulStopProblems)
        {
            Problem(problem);
        }

        var snapshot = await DatabaseSnapshot.ReadAsync(Environment.Database, cancellationToken);
        return new ScenarioResult
        {
            Scenario = Scenario,
            Seed = _options.Seed,
            Events = Traffic.Messages,
            BrokerRecords = Progress.Total,
            Payments = Traffic.Payments,
            Partitions = Topics.Partitions,
            BadInputs = Traffic.BadMessages,
            ExpectedDlqRows = Traffic.Expected.Dlq.Count,
            Tombstones = Traffic.Tombstones,
            ConsumerStarts = Fleet.Started,
            Kills = Fleet.Kills,
            Faults = _faults,
            DlqRows = snapshot.Dlq.Count,
            LedgerEntries = snapshot.LedgerEntries.Count,
            PaymentOrders = snapshot.PaymentOrders.Count,
            Pairs = snapshot.Pairs.Count,
            Lost = report.Lost,
            Unexpected = report.Unexpected,
            PairMismatches = report.PairMismatches,
            DlqRedeliveries = snapshot.Dlq.Sum(d => (long)d.AttemptCount - 1),
            ConsumerLog = Fleet.OutputCounts(),
            Problems = _problems,
            ProduceSeconds = Math.Round(Traffic.Elapsed.TotalSeconds, 2),
            DurationSeconds = Math.Round((Timeline.Elapsed - _started).TotalSeconds, 2),
            Passed = drained && report.Matches && _problems.Count == 0,
            OracleDifferences = report.Matches ? null : report.Describe(),
            Details = details ?? new Dictionary<string, object>(),
            Timeline = Timeline.Entries,
        };
    }

    private void Produced(ProducedTraffic traffic)
    {
        _traffic = traffic;
        _progress = new GroupProgress(Environment.Kafka.BootstrapServers, Topics, traffic.EndOffsets);
    }

    private async Task<OracleReport> SettleAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (true)
        {
            var report = await OracleReport.CompareAsync(Traffic.Expected, Environment.Database, cancellationToken);
            if (report.Matches || DateTime.UtcNow > deadline || Fleet.Failure() is not null)
            {
                return report;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        _progress?.Dispose();
        if (_production is { IsCompleted: false } production)
        {
            // An aborted run: let the producer flush before the broker goes away.
            await production.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }
}
