using System.Diagnostics;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Bench.Freshness;

public sealed record FreshnessSettings(double EventsPerSecond = 5_000, int Seconds = 60, int WarmupSeconds = 5, int Partitions = 64, int LingerMs = 5);

/// <summary>
/// Benchmark 2: simulated traffic produced open loop at a fixed rate (token bucket: the producer
/// never waits for the consumer) while the consumer runs; the quantiles of its own
/// <c>consumer_freshness_seconds</c> histogram (Kafka record timestamp → committed in the database)
/// over the measured window, computed like Prometheus' <c>histogram_quantile</c>.
/// </summary>
public sealed class FreshnessBenchmark(BenchContext context, FreshnessSettings settings)
{
    private const string Metric = "consumer_freshness_seconds";

    private static int FetchWaitMaxMs => int.TryParse(Environment.GetEnvironmentVariable("BENCH_FETCH_WAIT_MAX_MS"), out var ms) ? ms : 10;

    public async Task<BenchResult> RunAsync()
    {
        var cancellationToken = context.CancellationToken;
        var result = new BenchResult("freshness");
        await using var postgres = await BenchPostgres.StartAsync(context);
        var database = await postgres.CreateMigratedDatabaseAsync("bench_freshness", cancellationToken);
        // A server in service has its WAL segments; a new one creates them during the first minute of load.
        await BenchPostgres.WarmUpWalAsync(context, database);
        result["postgres"] = await BenchPostgres.DescribeAsync(database, cancellationToken);
        await using var kafka = BenchKafka.Start(context, settings.Partitions);

        // The mock broker holds a fetch that found no data for the whole fetch.wait.max.ms (500 ms by
        // default) instead of answering when data arrives, as Kafka does: a broker artifact that
        // would dominate freshness. A short wait gives Kafka's behaviour back (it only bounds idle polls).
        var consumer = await ServiceLauncher.StartConsumerAsync(context, "freshness-consumer", database, kafka.BootstrapServers,
            new Dictionary<string, string> { ["Consumer__Kafka__fetch.wait.max.ms"] = FetchWaitMaxMs.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var consumerProcess = consumer.Process;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // Like an upstream service: small batches, sent within milliseconds.
        using var producer = kafka.CreateProducer(config =>
        {
            config.LingerMs = settings.LingerMs;
            config.CompressionType = CompressionType.Lz4;
        });
        var simulatorProducer = new SimulatorProducer(producer, kafka.Topics.For, TimeProvider.System, NullLogger<SimulatorProducer>.Instance);

        // Warm-up (JIT, connection pool, group join), excluded from the window by subtracting a scrape.
        var warmup = await ProduceAsync(simulatorProducer, "fw", 101, settings.WarmupSeconds);
        await WaitForAsync(consumer, http, warmup.Delivered, TimeSpan.FromSeconds(60));
        var before = await Http.ScrapeAsync(http, consumer.Metrics, cancellationToken);
        context.Log($"warm-up done ({warmup.Delivered:N0} messages); measuring {settings.Seconds} s at {settings.EventsPerSecond:N0} events/s");

        using var probe = Environment.GetEnvironmentVariable("BENCH_FRESHNESS_PROBE") == "1"
            ? new DeliveryProbe(kafka.BootstrapServers, [kafka.Topics.Ledger, kafka.Topics.PaymentOrder], FetchWaitMaxMs)
            : null;
        probe?.StartRecording();
        await BenchPostgres.ResetStatementsAsync(database, cancellationToken);
        var cpu = new CpuMeter();
        var cpuBefore = CpuMeter.ProcessCpuSeconds(consumer.Process.Id);
        var measured = await ProduceAsync(simulatorProducer, "fm", 102, settings.Seconds);
        var machineCpu = cpu.Use();
        var consumerCpu = CpuMeter.ProcessCpuSeconds(consumer.Process.Id) - cpuBefore;
        var drainWait = Stopwatch.StartNew();
        await WaitForAsync(consumer, http, warmup.Delivered + measured.Delivered, TimeSpan.FromSeconds(120));
        var drainSeconds = drainWait.Elapsed.TotalSeconds;
        var after = await Http.ScrapeAsync(http, consumer.Metrics, cancellationToken);
        if (probe is not null)
        {
            result["delivery_probe"] = probe.StopAndReport();
        }

        result["broker"] = kafka.VerifyNothingDropped(warmup.Delivered + measured.Delivered);
        var consumerCpuTotal = CpuMeter.ProcessCpuSeconds(consumer.Process.Id);
        await consumer.Process.StopAsync(TimeSpan.FromSeconds(15));

        var histogram = PrometheusText.Histogram(after, Metric).Minus(PrometheusText.Histogram(before, Metric));
        if (histogram.Count < measured.Delivered * 0.9)
        {
            throw new InvalidOperationException($"Only {histogram.Count:N0} freshness observations for {measured.Delivered:N0} messages.");
        }

        var p50 = histogram.Quantile(0.50);
        var p95 = histogram.Quantile(0.95);
        var p99 = histogram.Quantile(0.99);
        var achievedRate = measured.Enqueued / measured.Elapsed.TotalSeconds;
        context.Log($"freshness p50 {p50 * 1000:0} ms, p95 {p95 * 1000:0} ms, p99 {p99 * 1000:0} ms over {histogram.Count:N0} observations");

        var buckets = new JsonArray();
        for (var i = 0; i < histogram.UpperBounds.Count; i++)
        {
            buckets.Add(new JsonObject
            {
                ["le"] = double.IsPositiveInfinity(histogram.UpperBounds[i]) ? "+Inf" : histogram.UpperBounds[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["cumulative"] = histogram.CumulativeCounts[i],
            });
        }

        result["load"] = new JsonObject
        {
            ["target_events_per_second"] = settings.EventsPerSecond,
            ["seconds"] = settings.Seconds,
            ["produced"] = measured.Delivered,
            ["achieved_events_per_second"] = BenchResult.Round(achievedRate, 0),
            ["pacing"] = $"open loop, fixed schedule (message i due at i/rate), linger.ms={settings.LingerMs}, lz4",
            ["partitions_per_topic"] = settings.Partitions,
            ["consumer_fetch_wait_max_ms"] = FetchWaitMaxMs,
            ["warmup_messages_excluded"] = warmup.Delivered,
            ["seconds_to_drain_after_last_produce"] = BenchResult.Round(drainSeconds, 2),
        };
        result["freshness_seconds"] = new JsonObject
        {
            ["p50"] = BenchResult.Round(p50),
            ["p95"] = BenchResult.Round(p95),
            ["p99"] = BenchResult.Round(p99),
            ["observations"] = histogram.Count,
            ["fraction_at_or_below_0.25s"] = BenchResult.Round(histogram.FractionAtOrBelow(0.25), 5),
            ["fraction_at_or_below_1s"] = BenchResult.Round(histogram.FractionAtOrBelow(1), 5),
            ["method"] = "histogram_quantile over the window (scrape after minus scrape before), both streams summed",
            ["bucket_bounds"] = new JsonArray([.. histogram.UpperBounds.Where(b => !double.IsPositiveInfinity(b)).Select(b => JsonValue.Create(b))]),
            ["buckets"] = buckets,
        };
        result["consumer"] = new JsonObject
        {
            ["process"] = consumer.Describe(consumerCpuTotal),
            ["cpu_cores_used_during_window"] = BenchResult.Round(consumerCpu / measured.Elapsed.TotalSeconds, 2),
            ["batch"] = BatchStats(before, after),
            ["top_statements"] = await BenchPostgres.TopStatementsAsync(database, 6, cancellationToken),
        };
        machineCpu.AddTo(result.Json, "_during_window");

        result.Target("freshness p95 at 5,000 events/s", p95, 0.25, atMost: true, "s");
        result.Target("freshness p99 at 5,000 events/s", p99, 1, atMost: true, "s");
        result.Target("producer kept the offered rate (open loop)", achievedRate, settings.EventsPerSecond * 0.98, atMost: false, "events/s");
        result.Target("consumer peak RSS (freshness)", consumer.Process.PeakRssMib, 300, atMost: true, "MiB");
        return result;
    }

    private async Task<ProduceSummary> ProduceAsync(SimulatorProducer producer, string prefix, long seed, int seconds)
    {
        // Paced: the simulated clock starts now at the rate, so event times match produce times.
        var traffic = new TrafficOptions
        {
            Seed = seed,
            IdPrefix = prefix,
            EventsPerSecond = settings.EventsPerSecond,
            StartTime = DateTimeOffset.UtcNow,
        };
        var messages = Paced(new TrafficGenerator(traffic).Generate((long)(settings.EventsPerSecond * seconds)), settings.EventsPerSecond, context.CancellationToken);
        var summary = await Task.Run(() => producer.ProduceAsync(messages, ProducePacing.Unpaced, deliveries: null, context.CancellationToken));
        return summary.Failed > 0 || summary.Delivered != summary.Enqueued
            ? throw new InvalidOperationException($"Producing failed: {summary.Delivered:N0} of {summary.Enqueued:N0} delivered ({summary.FirstError}).")
            : summary;
    }

    /// <summary>
    /// Open-loop schedule: message <c>i</c> is due at <c>start + i / rate</c>; the producing thread
    /// sleeps about a millisecond between due times and sends whatever is due, so a slow moment is
    /// caught up at once and the offered rate holds on average. (The simulator's TokenBucket spins
    /// on sub-millisecond delays, which a loaded 2-core machine cannot afford.)
    /// </summary>
    private static IEnumerable<SimulatedMessage> Paced(IEnumerable<SimulatedMessage> messages, double ratePerSecond, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        long index = 0;
        foreach (var message in messages)
        {
            var due = start + (long)(index * Stopwatch.Frequency / ratePerSecond);
            while (Stopwatch.GetTimestamp() < due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(1);
            }

            index++;
            yield return message;
        }
    }

    private async Task WaitForAsync(RunningService consumer, HttpClient http, long messages, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var consumed = PrometheusText.Sum(await Http.ScrapeAsync(http, consumer.Metrics, context.CancellationToken), "consumer_messages_total");
            if (consumed >= messages)
            {
                return;
            }

            if (consumer.Process.HasExited || clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The consumer counted {consumed:N0} of {messages:N0} messages within {timeout}.");
            }

            await Task.Delay(100, context.CancellationToken);
        }
    }

    private static JsonObject BatchStats(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after)
    {
        double Delta(string name) => PrometheusText.Sum(after, name) - PrometheusText.Sum(before, name);
        var batches = Delta("consumer_batch_duration_seconds_count");
        var duration = PrometheusText.Histogram(after, "consumer_batch_duration_seconds").Minus(PrometheusText.Histogram(before, "consumer_batch_duration_seconds"));
        return new JsonObject
        {
            ["batches"] = batches,
            ["mean_size"] = BenchResult.Round(batches == 0 ? 0 : Delta("consumer_batch_size_sum") / batches, 1),
            ["mean_seconds"] = BenchResult.Round(batches == 0 ? 0 : Delta("consumer_batch_duration_seconds_sum") / batches, 4),
            ["p95_seconds"] = BenchResult.Round(duration.Quantile(0.95)),
        };
    }
}
