using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Backoffice.Bench.Infrastructure;

namespace Backoffice.Bench.Lookup;

/// <summary>
/// Closed-loop saturation runs with the same concurrency on both sides: <c>wrk</c> against the API
/// (random existing ids, bearer header, from a Lua script) and <c>pgbench -M prepared</c> running the
/// SQL the API runs.
/// </summary>
public static partial class ClosedLoopTools
{
    /// <summary>
    /// <paramref name="connections"/> connections asking for <paramref name="pathPrefix"/> followed by a
    /// random number of 1 … <paramref name="idRange"/> (an existing id of the data set).
    /// </summary>
    public static async Task<JsonObject> WrkAsync(
        BenchContext context, string label, Uri baseAddress, string bearerToken, string pathPrefix, int idRange, int connections, int threads, TimeSpan duration)
    {
        var script = Path.Combine(context.LogsDirectory, $"{label}.lua");
        await File.WriteAllTextAsync(script, $$"""
            -- Written by the benchmark harness: a random existing id per request, a bearer token.
            local token = "{{bearerToken}}"
            local ids = {{idRange}}
            local counter = 0
            function setup(thread)
              counter = counter + 1
              thread:set("thread_id", counter)
            end
            function init(args)
              math.randomseed(7919 * (thread_id or 1))
            end
            function request()
              return wrk.format("GET", "{{pathPrefix}}" .. math.random(1, ids), { ["Authorization"] = "Bearer " .. token })
            end
            function done(summary, latency, requests)
              io.write(string.format("BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"status_errors\":%d,\"connect_errors\":%d,\"read_errors\":%d,\"write_errors\":%d,\"timeouts\":%d,\"p50_us\":%d,\"p99_us\":%d}\n",
                summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
                latency:percentile(50), latency:percentile(99)))
            end
            """, context.CancellationToken);
        var output = await ChildProcess.RunAsync(context, label, "wrk",
        [
            "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)duration.TotalSeconds}s", "--timeout", "10s", "-s", script, baseAddress.ToString().TrimEnd('/'),
        ], timeout: duration + TimeSpan.FromMinutes(1));
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"wrk printed no summary:\n{output}");
        var summary = JsonNode.Parse(line["BENCH_JSON ".Length..])!.AsObject();
        var requests = summary["requests"]!.GetValue<long>();
        var seconds = summary["duration_us"]!.GetValue<long>() / 1e6;
        var errors = summary["status_errors"]!.GetValue<long>() + summary["connect_errors"]!.GetValue<long>()
                     + summary["read_errors"]!.GetValue<long>() + summary["write_errors"]!.GetValue<long>() + summary["timeouts"]!.GetValue<long>();
        return new JsonObject
        {
            ["tool"] = $"wrk -t{threads} -c{connections} -d{(int)duration.TotalSeconds}s (Lua: random ids, bearer token)",
            ["requests"] = requests,
            ["errors"] = errors,
            ["requests_per_second"] = BenchResult.Round(requests / seconds, 1),
            ["latency_ms"] = new JsonObject
            {
                ["p50"] = BenchResult.Round(summary["p50_us"]!.GetValue<long>() / 1000.0, 3),
                ["p99"] = BenchResult.Round(summary["p99_us"]!.GetValue<long>() / 1000.0, 3),
            },
            ["raw"] = summary,
        };
    }

    public static async Task<JsonObject> PgBenchAsync(
        BenchContext context, string label, string scriptText, string host, int port, string database, int clients, int threads, TimeSpan duration)
    {
        var script = Path.Combine(context.LogsDirectory, $"{label}.sql");
        await File.WriteAllTextAsync(script, scriptText, context.CancellationToken);
        var output = await ChildProcess.RunAsync(context, label, "pgbench",
        [
            "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", threads.ToString(CultureInfo.InvariantCulture),
            "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-f", script, "-r",
            "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database,
        ], timeout: duration + TimeSpan.FromMinutes(1));
        var tps = TpsPattern().Match(output);
        var latency = LatencyPattern().Match(output);
        var failed = FailedPattern().Match(output);
        if (!tps.Success)
        {
            throw new InvalidOperationException($"pgbench printed no tps:\n{output}");
        }

        return new JsonObject
        {
            ["tool"] = $"pgbench -n -M prepared -c {clients} -j {threads} -T {(int)duration.TotalSeconds} (lookup + audit INSERT per transaction)",
            ["transactions_per_second"] = BenchResult.Round(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), 1),
            ["latency_average_ms"] = latency.Success ? BenchResult.Round(double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture), 3) : null,
            ["failed_transactions"] = failed.Success ? long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            ["script"] = Path.GetRelativePath(context.RepositoryRoot, script),
            ["per_statement_latency"] = StatementLatencies(output),
        };
    }

    private static JsonArray StatementLatencies(string output)
    {
        var statements = new JsonArray();
        var inSection = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.Contains("statement latencies in milliseconds", StringComparison.Ordinal))
            {
                inSection = true;
                continue;
            }

            var match = StatementPattern().Match(line);
            if (inSection && match.Success)
            {
                var text = match.Groups[2].Value.Trim();
                statements.Add(new JsonObject
                {
                    ["ms"] = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                    ["statement"] = text.Length > 80 ? text[..80] + "…" : text,
                });
            }
        }

        return statements;
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyPattern();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();

    [GeneratedRegex(@"^\s+([0-9.]+)\s+(?:\d+\s+)?(\S.*)$")]
    private static partial Regex StatementPattern();
}
