using System.Diagnostics;
using System.Globalization;
using System.Net;
using Backoffice.Chaos.Environment;
using Backoffice.Chaos.Oracle;
using Backoffice.Chaos.Processes;
using Backoffice.Chaos.Scenarios;
using Backoffice.Chaos.Traffic;
using Npgsql;

namespace Backoffice.Chaos.Soak;

public sealed record SoakOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    public double EventsPerSecond { get; init; } = 2_000;

    public double LookupsPerSecond { get; init; } = 500;

    /// <summary>Excluded from the memory growth: JIT, pools and caches fill up first.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(30);

    public int Partitions { get; init; } = 12;

    public long Seed { get; init; } = 1;

    /// <summary>Freshness p95 every window must stay within (the benchmark target; the SLO is 5 s).</summary>
    public TimeSpan FreshnessTarget { get; init; } = TimeSpan.FromMilliseconds(250);

    public double MaxRssGrowth { get; init; } = 0.10;

    /// <summary>
    /// The consumer's <c>fetch.wait.max.ms</c>. librdkafka's mock broker answers a fetch that found
    /// no data only after this whole wait, even when data arrives meanwhile (a real broker answers at
    /// once), which would add up to 500 ms (the default) to every freshness figure: a property of the
    /// mock, not of the consumer. The benchmarks (docs/benchmarks.md) use 10 ms for the same reason.
    /// </summary>
    public int FetchWaitMaxMs { get; init; } = 10;

    /// <summary>
    /// Both services log warnings and errors only. As shipped, the API logs every SQL command at
    /// Information, twice (EF Core and Npgsql): about 25 console lines per lookup.
    /// </summary>
    public bool QuietServiceLogs { get; init; }
}

/// <summary>One sampling window of the soak.</summary>
public sealed record SoakSample(
    double AtSeconds,
    long EventsStored,
    double? FreshnessP95Ms,
    double? FreshnessP99Ms,
    double? BatchP95Ms,
    double? MeanBatchSize,
    long Lookups,
    long LookupErrors,
    IReadOnlyDictionary<int, long> LookupStatuses,
    double? LookupP95Ms,
    double? LookupP99Ms,
    long? ConsumerRssKb,
    long? ApiRssKb,
    double ConsumerKafkaLag,
    ResidentMemory? ConsumerMemory,
    ResidentMemory? ApiMemory,
    long? ConsumerGcCommittedKb);

/// <summary>The soak's JSON summary.</summary>
public sealed record SoakResult
{
    public string Scenario { get; init; } = SoakScenario.Name;

    public required double Minutes { get; init; }

    public required double EventsPerSecondTarget { get; init; }

    public required double LookupsPerSecondTarget { get; init; }

    public required long Events { get; init; }

    public required long BadInputs { get; init; }

    public required long Lookups { get; init; }

    public required long LookupErrors { get; init; }

    public required double FreshnessTargetMs { get; init; }

    public required bool QuietServiceLogs { get; init; }

    public required double? WorstFreshnessP95Ms { get; init; }

    public required double? WorstLookupP95Ms { get; init; }

    public required double? ConsumerRssGrowth { get; init; }

    public required double? ApiRssGrowth { get; init; }

    public required long Lost { get; init; }

    public required long Unexpected { get; init; }

    public required int DlqRows { get; init; }

    public IReadOnlyList<SoakSample> Samples { get; init; } = [];

    public IReadOnlyList<string> Problems { get; init; } = [];

    public required double DurationSeconds { get; init; }

    public required bool Passed { get; init; }

    public MachineInfo Machine { get; init; } = MachineInfo.Current;

    public string ToJson() => ScenarioResult.ToJson(this);
}

/// <summary>
/// The consumer and the Admin API under steady load for a long while: paced events in, lookups out.
/// Passes when no lookup failed, freshness p95 stayed within target in every window, both processes'
/// memory grew less than allowed after the warm-up, and the database ends equal to the oracle.
/// </summary>
public static class SoakScenario
{
    public const string Name = "soak";

    private const string GcCommittedMetric = "dotnet_gc_last_collection_memory_committed_size_bytes";

    private static readonly string[] ApiWatched = ["fail:", "crit:", "Unhandled exception"];

    public static async Task<SoakResult> RunAsync(ChaosEnvironment environment, SoakOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var apiDll = environment.ApiDll ?? throw new ArgumentException("The soak needs the built Admin API.", nameof(environment));
        var timeline = environment.Timeline;
        var runStarted = timeline.Elapsed;
        var problems = new List<string>();
        timeline.Note($"soak: {options}");
        var topics = environment.CreateTopics(Name, options.Partitions);
        var quietLogs = options.QuietServiceLogs ? new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" } : [];
        var launcher = new ConsumerLauncher(environment, topics)
        {
            Settings = new Dictionary<string, string?>(quietLogs) { ["Consumer:Kafka:fetch.wait.max.ms"] = options.FetchWaitMaxMs.ToString(CultureInfo.InvariantCulture) },
        };
        await using var fleet = new ConsumerFleet(launcher, timeline);
        var consumer = fleet.Start();
        await using var api = ServiceProcess.Start("api", apiDll, new Dictionary<string, string?>(quietLogs)
        {
            // AUTH_MODE=disabled is refused outside Development; lookups are audited as anonymous.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["AUTH_MODE"] = "disabled",
            ["RateLimiting:Enabled"] = "false",
            ["ConnectionStrings:backoffice"] = new NpgsqlConnectionStringBuilder(environment.Database) { ApplicationName = "backoffice-api-soak" }.ConnectionString,
        }, ApiWatched, environment.LogDirectory);
        timeline.Note($"started api (pid {api.Id.ToString(CultureInfo.InvariantCulture)})");
        await WaitHealthyAsync(consumer, cancellationToken);
        await WaitHealthyAsync(api, cancellationToken);
        timeline.Note("consumer and api ready");

        var targets = new LookupTargets();
        var events = (long)(options.EventsPerSecond * options.Duration.TotalSeconds);
        var production = Task.Run(
            () => ProducedTraffic.ProduceAsync(environment, topics, options.Seed, events, options.EventsPerSecond, targets.Add, keepsEverything: false, cancellationToken),
            cancellationToken);
        using var load = new LookupLoad(api.BaseAddress, targets, options.LookupsPerSecond, options.Duration, options.Seed);
        var lookups = load.RunAsync(cancellationToken);
        timeline.Note($"producing {events} events at {options.EventsPerSecond}/s and looking up at {options.LookupsPerSecond}/s for {options.Duration}");

        var samples = new List<SoakSample>();
        var started = Stopwatch.StartNew();
        var previous = await ScrapeAsync(consumer, cancellationToken) ?? throw new ChaosRunException("The consumer does not serve /metrics.");
        var windows = new List<LookupWindow>();
        while (!lookups.IsCompleted)
        {
            await Task.WhenAny(lookups, Task.Delay(options.SampleEvery, cancellationToken));
            if (production.IsFaulted)
            {
                await production;
            }

            if (fleet.Failure() is { } crashed)
            {
                problems.Add(crashed);
                break;
            }

            if (api.HasExited)
            {
                problems.Add($"The API exited on its own with code {api.ExitCode}: {api.OutputTail}");
                break;
            }

            var window = load.TakeWindow();
            windows.Add(window);
            var current = await ScrapeAsync(consumer, cancellationToken);
            if (current is null)
            {
                problems.Add($"The consumer did not answer /metrics at {started.Elapsed}.");
                continue;
            }

            var sample = Sample(started.Elapsed, previous, current, window, consumer, api);
            samples.Add(sample);
            timeline.Note(
                $"{sample.EventsStored} events stored, freshness p95 {Ms(sample.FreshnessP95Ms)} p99 {Ms(sample.FreshnessP99Ms)}, batch p95 {Ms(sample.BatchP95Ms)} mean size {sample.MeanBatchSize}; "
                + $"{sample.Lookups} lookups, {sample.LookupErrors} errors, p95 {Ms(sample.LookupP95Ms)}; "
                + $"RSS consumer {Describe(sample.ConsumerMemory)} (GC committed {sample.ConsumerGcCommittedKb / 1024} MiB), api {Describe(sample.ApiMemory)}; kafka lag {sample.ConsumerKafkaLag}");
            previous = current;
        }

        await lookups;
        windows.Add(load.TakeWindow());
        // Totals from the windows once every lookup has been answered (a window's last answers may come after its sample).
        var lookupsTotal = windows.Sum(w => w.Requests);
        var lookupErrors = windows.Sum(w => w.Errors);
        var traffic = await production;
        timeline.Note($"produced {traffic.Messages} messages");
        using var progress = new GroupProgress(environment.Kafka.BootstrapServers, topics, traffic.EndOffsets);
        try
        {
            await progress.WaitForAsync(1.0, TimeSpan.FromMinutes(5), fleet.Failure, cancellationToken);
        }
        catch (ChaosRunException ex)
        {
            problems.Add(ex.Message);
        }

        var report = await OracleReport.CompareAsync(traffic.Expected, environment.Database, cancellationToken);
        timeline.Note(report.Matches ? "the database equals the oracle" : report.Describe());
        await fleet.StopAllAsync(cancellationToken);
        problems.AddRange(fleet.GracefulStopProblems);
        api.Terminate();
        if (!await api.WaitForExitAsync(TimeSpan.FromSeconds(15), cancellationToken) || api.ExitCode != 0)
        {
            problems.Add($"The API did not stop cleanly on SIGTERM: {(api.HasExited ? $"exit code {api.ExitCode}" : "still running")}");
        }

        if (api.Matches("Unhandled exception") + api.Matches("crit:") > 0)
        {
            problems.Add("The API logged critical errors or unhandled exceptions.");
        }

        var afterWarmUp = samples.Where(s => s.AtSeconds >= options.WarmUp.TotalSeconds).ToList();
        var worstFreshness = samples.Max(s => s.FreshnessP95Ms);
        var consumerGrowth = Growth(afterWarmUp, s => s.ConsumerRssKb);
        var apiGrowth = Growth(afterWarmUp, s => s.ApiRssKb);
        var freshnessTargetMs = options.FreshnessTarget.TotalMilliseconds;
        if (lookupErrors > 0)
        {
            problems.Add($"{lookupErrors} lookups failed or were not answered 200.");
        }

        if (samples.Any(s => s.FreshnessP95Ms > freshnessTargetMs))
        {
            problems.Add($"Freshness p95 exceeded {freshnessTargetMs} ms in {samples.Count(s => s.FreshnessP95Ms > freshnessTargetMs)} of {samples.Count} windows.");
        }

        if (consumerGrowth > options.MaxRssGrowth || apiGrowth > options.MaxRssGrowth)
        {
            problems.Add($"RSS grew more than {options.MaxRssGrowth:P0} after the warm-up (consumer {consumerGrowth:P1}, api {apiGrowth:P1}).");
        }

        if (!report.Matches)
        {
            problems.Add(report.Describe());
        }

        return new SoakResult
        {
            Minutes = options.Duration.TotalMinutes,
            EventsPerSecondTarget = options.EventsPerSecond,
            LookupsPerSecondTarget = options.LookupsPerSecond,
            Events = traffic.Messages,
            BadInputs = traffic.BadMessages,
            Lookups = lookupsTotal,
            LookupErrors = lookupErrors,
            FreshnessTargetMs = freshnessTargetMs,
            QuietServiceLogs = options.QuietServiceLogs,
            WorstFreshnessP95Ms = worstFreshness,
            WorstLookupP95Ms = samples.Max(s => s.LookupP95Ms),
            ConsumerRssGrowth = consumerGrowth is { } c ? Math.Round(c, 4) : null,
            ApiRssGrowth = apiGrowth is { } a ? Math.Round(a, 4) : null,
            Lost = report.Lost,
            Unexpected = report.Unexpected,
            DlqRows = report.Dlq.Actual,
            Samples = samples,
            Problems = problems,
            DurationSeconds = Math.Round((timeline.Elapsed - runStarted).TotalSeconds, 1),
            Passed = problems.Count == 0 && samples.Count > 0,
        };
    }

    private static SoakSample Sample(TimeSpan at, PrometheusSamples before, PrometheusSamples after, LookupWindow window, ServiceProcess consumer, ServiceProcess api)
    {
        const string freshness = "consumer_freshness_seconds";
        var bucketsBefore = before.Buckets(freshness);
        var bucketsAfter = after.Buckets(freshness);
        var consumerMemory = consumer.Memory();
        var apiMemory = api.Memory();
        return new SoakSample(
            Math.Round(at.TotalSeconds, 1),
            (long)(after.Sum("consumer_messages_total") - before.Sum("consumer_messages_total")),
            Round(PrometheusSamples.Quantile(0.95, bucketsBefore, bucketsAfter) * 1000),
            Round(PrometheusSamples.Quantile(0.99, bucketsBefore, bucketsAfter) * 1000),
            Round(PrometheusSamples.Quantile(0.95, before.Buckets("consumer_batch_duration_seconds"), after.Buckets("consumer_batch_duration_seconds")) * 1000),
            Round(Mean(before, after, "consumer_batch_size")),
            window.Requests,
            window.Errors,
            window.Statuses,
            Round(window.LatencyPercentile(0.95)),
            Round(window.LatencyPercentile(0.99)),
            consumerMemory?.RssKb,
            apiMemory?.RssKb,
            after.Sum("consumer_kafka_lag"),
            consumerMemory,
            apiMemory,
            // Tells the managed heap apart from native memory when the consumer's RSS moves.
            after.Sum(GcCommittedMetric) is > 0 and var committed ? (long)(committed / 1024) : null);
    }

    private static double? Mean(PrometheusSamples before, PrometheusSamples after, string histogram)
    {
        var count = after.Sum(histogram + "_count") - before.Sum(histogram + "_count");
        return count > 0 ? (after.Sum(histogram + "_sum") - before.Sum(histogram + "_sum")) / count : null;
    }

    /// <summary>(last − first) / first of the samples after the warm-up.</summary>
    private static double? Growth(List<SoakSample> samples, Func<SoakSample, long?> rss) =>
        samples.Count >= 2 && rss(samples[0]) is { } first && rss(samples[^1]) is { } last && first > 0
            ? (last - first) / (double)first
            : null;

    private static async Task<PrometheusSamples?> ScrapeAsync(ServiceProcess process, CancellationToken cancellationToken) =>
        await process.GetAsync("/metrics", cancellationToken) is { Status: HttpStatusCode.OK, Body: var body } ? new PrometheusSamples(body) : null;

    private static async Task WaitHealthyAsync(ServiceProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (await process.GetAsync("/health", cancellationToken) is not { Status: HttpStatusCode.OK })
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new ChaosRunException($"{process.Name} did not become ready: {process.OutputTail}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static string Describe(ResidentMemory? memory) => memory is null
        ? "n/a"
        : $"{memory.RssKb / 1024} MiB (anon {memory.AnonKb / 1024}, file {memory.FileKb / 1024}, shmem {memory.ShmemKb / 1024})";

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 1) : null;

    private static string Ms(double? value) => value is { } v ? $"{v.ToString("F0", CultureInfo.InvariantCulture)} ms" : "n/a";
}
