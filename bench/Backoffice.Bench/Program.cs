using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backoffice.Bench.Freshness;
using Backoffice.Bench.Infrastructure;
using Backoffice.Bench.Ingest;
using Backoffice.Bench.Lookup;
using Backoffice.Bench.Normalise;

// bench/run-* build the Release configuration and call this with one of: ingest, freshness, lookup,
// all (those three), normalise (a micro-benchmark of one component, not part of all).
string[] benchmarks = ["ingest", "freshness", "lookup"];
if (args.Length == 0 || (args[0] != "all" && args[0] != "normalise" && !benchmarks.Contains(args[0])))
{
    await Console.Error.WriteLineAsync("usage: Backoffice.Bench ingest|freshness|lookup|all|normalise [--configuration Release] [--quick]");
    return 2;
}

var selected = args[0] == "all" ? benchmarks : [args[0]];
var configuration = ArgumentValue(args, "--configuration") ?? "Release";
// --quick: small sizes to check the harness itself; its figures are not benchmark results.
var quick = args.Contains("--quick");

using var cancellation = new CancellationTokenSource();
// Ctrl+C or SIGTERM: cancel, so every `await using` stops its children (consumer, API, PostgreSQL, tools).
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

var context = new BenchContext(configuration, cancellation.Token);
var summary = new JsonObject
{
    ["summary"] = "Backoffice benchmarks (bench/); see docs/benchmarks.md",
    ["quick_mode"] = quick,
    ["machine"] = await MachineInfo.DescribeAsync(context),
    ["load_average_at_start"] = MachineInfo.LoadAverage(),
    ["service_logging"] = ServiceLauncher.QuietLogs ? "warnings only (BENCH_QUIET_SERVICE_LOGS=1)" : "as shipped (no overrides)",
    ["service_environment_overrides"] = new JsonObject([.. ServiceLauncher.ChildOverrides.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value))]),
};
var results = new JsonObject();
var allTargets = new JsonArray();
summary["targets"] = allTargets;
summary["benchmarks"] = results;
var clock = Stopwatch.StartNew();
var exitCode = 0;
foreach (var name in selected)
{
    var started = clock.Elapsed;
    context.Log($"=== {name} ===");
    try
    {
        var result = name switch
        {
            "ingest" => await new IngestBenchmark(context, quick ? new IngestSettings(Events: 50_000, Partitions: 16) : new IngestSettings()).RunAsync(),
            "freshness" => await new FreshnessBenchmark(context, (quick ? new FreshnessSettings(Seconds: 10, WarmupSeconds: 2) : new FreshnessSettings()) with
            {
                Partitions = EnvInt("BENCH_FRESHNESS_PARTITIONS") ?? 64,
                LingerMs = EnvInt("BENCH_FRESHNESS_LINGER_MS") ?? 5,
            }).RunAsync(),
            "normalise" => await new NormaliseBenchmark(context, quick ? new NormaliseSettings(Messages: 20_000, Rounds: 2) : new NormaliseSettings()).RunAsync(),
            _ => await new LookupBenchmark(context, quick ? new LookupSettings(LedgerEntries: 50_000, OpenLoopSeconds: 5, SaturationSeconds: 5) : new LookupSettings()).RunAsync(),
        };
        result["duration_seconds"] = Math.Round((clock.Elapsed - started).TotalSeconds, 1);
        result["load_average_at_end"] = MachineInfo.LoadAverage();
        results[name] = result.Json;
        foreach (var target in result.Targets)
        {
            var copy = target!.DeepClone().AsObject();
            copy["benchmark"] = name;
            allTargets.Add(copy);
        }

        await File.WriteAllTextAsync(Path.Combine(context.ResultsDirectory, $"{name}.json"), result.Json.ToJsonString(BenchResult.Indented));
    }
    catch (Exception exception) when (exception is not OperationCanceledException || !cancellation.IsCancellationRequested)
    {
        context.Log($"{name} FAILED: {exception}");
        results[name] = new JsonObject { ["benchmark"] = name, ["error"] = exception.Message };
        allTargets.Add(new JsonObject { ["benchmark"] = name, ["name"] = $"{name} completed", ["pass"] = false, ["error"] = exception.Message });
        exitCode = 1;
    }
    catch (OperationCanceledException)
    {
        context.Log("cancelled; children stopped");
        return 130;
    }
}

summary["total_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
summary["all_targets_pass"] = allTargets.All(t => t!["pass"]!.GetValue<bool>());
var json = summary.ToJsonString(BenchResult.Indented);
var fileName = selected.Length == benchmarks.Length ? "latest.json" : $"latest-{selected[0]}.json";
if (!quick)
{
    await File.WriteAllTextAsync(Path.Combine(context.ResultsDirectory, fileName), json + "\n");
}

Console.WriteLine(json);
context.Log(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed.TotalMinutes:0.0} min; {(quick ? "quick mode, nothing saved" : $"written to bench/results/{fileName}")}"));
return exitCode;

void Cancel(PosixSignalContext signal)
{
    signal.Cancel = true;
    Console.Error.WriteLine($"[bench] {signal.Signal}: stopping children and cleaning up…");
    cancellation.Cancel();
}

static int? EnvInt(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : null;

static string? ArgumentValue(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
