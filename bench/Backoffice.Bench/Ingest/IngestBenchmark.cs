using System.Diagnostics;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Bench.Ingest;

public sealed record IngestSettings(long Events = 1_000_000, int Partitions = 64, long Seed = 42);

/// <summary>
/// Benchmark 1: a million simulated events (pairs, duplicates, stale versions, the simulator's
/// realistic mix) pre-loaded on the topics, then the consumer started and timed until every message
/// is committed and the tables match the oracle; next to the COPY-and-merge baseline on the same server.
/// </summary>
public sealed class IngestBenchmark(BenchContext context, IngestSettings settings)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(6);

    public async Task<BenchResult> RunAsync()
    {
        var cancellationToken = context.CancellationToken;
        var result = new BenchResult("ingest");
        await using var postgres = await BenchPostgres.StartAsync(context);
        var baselineDb = await postgres.CreateMigratedDatabaseAsync("bench_baseline", cancellationToken);
        var baselineAfterDb = await postgres.CreateMigratedDatabaseAsync("bench_baseline_after", cancellationToken);
        var consumerDb = await postgres.CreateMigratedDatabaseAsync("bench_consumer", cancellationToken);
        result["postgres"] = await BenchPostgres.DescribeAsync(consumerDb, cancellationToken);
        await using var kafka = BenchKafka.Start(context, settings.Partitions);

        // 1. Generate and pre-load.
        var (expected, valid, deliveries, produced, loading) = await PreloadAsync(kafka);
        result["workload"] = Workload(expected, produced, loading);
        result["broker"] = kafka.VerifyNothingDropped(produced.Delivered);
        context.Log($"broker holds all {produced.Delivered:N0} messages; no partition lost its head");

        // 2. Baseline: COPY + merge on the same server, after the server has written as much WAL as
        // one phase does (the first phase on a new server was slower than the same work later).
        await BenchPostgres.WarmUpWalAsync(context, consumerDb);
        result["baseline"] = await RunBaselineAsync(postgres, baselineDb, valid, deliveries, expected, "baseline");

        // 3. The consumer drains the topics.
        var product = await RunConsumerAsync(kafka, postgres, consumerDb, expected, produced.Delivered);
        result["consumer"] = product;

        // 4. The baseline again: this machine's speed drifts by tens of per cent within minutes
        // (docs/benchmarks.md), so the consumer is compared with two baselines that bracket its run.
        result["baseline_after"] = await RunBaselineAsync(postgres, baselineAfterDb, valid, deliveries, expected, "baseline after");

        var consumerRate = product["events_per_second"]!.GetValue<double>();
        var baselineRate = (result["baseline"]!["events_per_second"]!.GetValue<double>()
                            + result["baseline_after"]!["events_per_second"]!.GetValue<double>()) / 2;
        var ratio = consumerRate / baselineRate;
        result["baseline_events_per_second_mean"] = BenchResult.Round(baselineRate, 0);
        result["ratio_consumer_to_baseline"] = BenchResult.Round(ratio, 3);
        result.Target("ingest events/s vs COPY-merge baseline (ratio)", ratio, 0.6, atMost: false, "x");
        result.Target("ingest events/s", consumerRate, 20_000, atMost: false, "events/s");
        result.Target("consumer peak RSS (ingest)", product["process"]!["peak_rss_mib"]!.GetValue<double>(), 300, atMost: true, "MiB");
        return result;
    }

    /// <summary>
    /// The COPY-and-merge baseline into <paramref name="database"/> (empty, migrated), after a
    /// checkpoint so that what ran before does not flush its writes during it; checked against the oracle.
    /// </summary>
    private async Task<JsonObject> RunBaselineAsync(
        BenchPostgres postgres, string database, List<SimulatedMessage> valid, DeliveryLog deliveries, ExpectedState expected, string who)
    {
        var cancellationToken = context.CancellationToken;
        await BenchPostgres.ExecuteAsync(database, "CHECKPOINT", cancellationToken);
        await BenchPostgres.ResetStatementsAsync(database, cancellationToken);
        var databaseCpu = CpuMeter.PostgresCpuSeconds(postgres.Server.DataDirectory);
        var baseline = await CopyMergeBaseline.RunAsync(context, database, valid, deliveries);
        baseline["postgres_cpu_seconds"] = BenchResult.Round(CpuMeter.PostgresCpuSeconds(postgres.Server.DataDirectory) - databaseCpu, 2);
        baseline["top_statements"] = await BenchPostgres.TopStatementsAsync(database, 5, cancellationToken);
        await CheckRowsAsync(database, expected, who);
        baseline["matches_oracle"] = true;
        await BenchPostgres.ExecuteAsync(database, "DROP TABLE bench_stage_ledger, bench_stage_orders", cancellationToken);
        baseline["settle_seconds_not_measured"] = await BenchPostgres.SettleAsync(context, database, who);
        return baseline;
    }

    private async Task<(ExpectedState Expected, List<SimulatedMessage> Valid, DeliveryLog Deliveries, ProduceSummary Produced, TimeSpan Loading)> PreloadAsync(BenchKafka kafka)
    {
        // Unpaced: the simulated clock runs at 5,000 events/s and ends about now.
        var traffic = new TrafficOptions
        {
            Seed = settings.Seed,
            IdPrefix = "ing",
            EventsPerSecond = 5_000,
            StartTime = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(settings.Events / 5_000.0),
        };
        var oracle = new OracleBuilder();
        var valid = new List<SimulatedMessage>((int)settings.Events);
        var messages = new TrafficGenerator(traffic).Generate(settings.Events).Select(message =>
        {
            oracle.Add(message);
            if (message.Ledger is not null || message.PaymentOrder is not null)
            {
                valid.Add(message);
            }

            return message;
        });

        // Large compressed batches, so a partition's 5 MB in the mock holds its share of the run.
        using var producer = kafka.CreateProducer(config =>
        {
            config.LingerMs = 1_000;
            config.BatchSize = 1_000_000;
            config.BatchNumMessages = 100_000;
            config.CompressionType = CompressionType.Lz4;
            config.QueueBufferingMaxMessages = 2_000_000;
            config.QueueBufferingMaxKbytes = 2_000_000;
        });
        var deliveries = new DeliveryLog();
        var simulatorProducer = new SimulatorProducer(producer, kafka.Topics.For, TimeProvider.System, NullLogger<SimulatorProducer>.Instance)
        {
            FlushTimeout = TimeSpan.FromMinutes(2),
        };
        var started = Stopwatch.StartNew();
        var produced = await simulatorProducer.ProduceAsync(messages, ProducePacing.Unpaced, deliveries, context.CancellationToken);
        if (produced.Failed > 0 || produced.Delivered != produced.Enqueued)
        {
            throw new InvalidOperationException($"Pre-load failed: {produced.Delivered:N0} of {produced.Enqueued:N0} delivered ({produced.FirstError}).");
        }

        var expected = oracle.Build(deliveries.PositionOf);
        context.Log($"generated and produced {produced.Delivered:N0} messages in {started.Elapsed.TotalSeconds:0.0} s "
                    + $"({expected.Counts.LedgerEntries:N0} ledger entries, {expected.Counts.PaymentOrders:N0} orders, {expected.Counts.Pairs:N0} pairs expected)");
        return (expected, valid, deliveries, produced, started.Elapsed);
    }

    private async Task<JsonObject> RunConsumerAsync(BenchKafka kafka, BenchPostgres postgres, string connectionString, ExpectedState expected, long messages)
    {
        var cancellationToken = context.CancellationToken;
        await BenchPostgres.ResetStatementsAsync(connectionString, cancellationToken);
        var databaseCpu = CpuMeter.PostgresCpuSeconds(postgres.Server.DataDirectory);
        var cpu = new CpuMeter();
        var clock = Stopwatch.StartNew();
        var consumer = await ServiceLauncher.StartConsumerAsync(context, "ingest-consumer", connectionString, kafka.BootstrapServers);
        await using var consumerProcess = consumer.Process;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        IReadOnlyList<PrometheusSample> metrics = [];
        double consumed = 0;
        var lastProgress = clock.Elapsed;
        double lastConsumed = 0;
        var progress = new JsonArray();
        while (consumed < messages)
        {
            if (consumer.Process.HasExited)
            {
                throw new InvalidOperationException($"The consumer exited during the run:\n{ChildProcess.Tail(await consumer.Process.ReadLogAsync(), 4000)}");
            }

            if (clock.Elapsed > DrainTimeout || clock.Elapsed - lastProgress > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The consumer stalled or did not finish within {DrainTimeout}: {consumed:N0} of {messages:N0} messages.");
            }

            await Task.Delay(200, cancellationToken);
            metrics = await Http.ScrapeAsync(http, consumer.Metrics, cancellationToken);
            consumed = PrometheusText.Sum(metrics, "consumer_messages_total");
            if (consumed > lastConsumed)
            {
                lastConsumed = consumed;
                lastProgress = clock.Elapsed;
            }

            if (progress.Count < (int)(clock.Elapsed.TotalSeconds / 5))
            {
                progress.Add(new JsonObject { ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1), ["messages"] = consumed });
                context.Log($"consumer: {consumed:N0} / {messages:N0} messages");
            }
        }

        var drained = clock.Elapsed;
        var machineCpu = cpu.Use();
        var consumerCpu = CpuMeter.ProcessCpuSeconds(consumer.Process.Id);
        databaseCpu = CpuMeter.PostgresCpuSeconds(postgres.Server.DataDirectory) - databaseCpu;
        context.Log($"consumer counted all {messages:N0} messages after {drained.TotalSeconds:0.0} s (incl. {consumer.StartupTime.TotalSeconds:0.0} s start-up)");

        // Everything committed: offsets at the end, tables as the oracle says.
        long uncommitted = -1;
        for (var attempt = 0; attempt < 50 && uncommitted != 0; attempt++)
        {
            uncommitted = kafka.UncommittedMessages();
            if (uncommitted != 0)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        var committedAt = clock.Elapsed;
        if (uncommitted != 0)
        {
            throw new InvalidOperationException($"Committed offsets stay {uncommitted:N0} messages behind the end offsets.");
        }

        await CheckRowsAsync(connectionString, expected, "consumer");
        await consumer.Process.StopAsync(TimeSpan.FromSeconds(15));
        // Read before the settle, whose VACUUM and CHECKPOINT pg_stat_statements would list too.
        var topStatements = await BenchPostgres.TopStatementsAsync(connectionString, 8, cancellationToken);
        var settleSeconds = await BenchPostgres.SettleAsync(context, connectionString, "consumer");

        var results = metrics.Where(s => s.Name == "consumer_messages_total")
            .GroupBy(s => s.Labels.GetValueOrDefault("result") ?? "?")
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        var batchSize = PrometheusText.Histogram(metrics, "consumer_batch_size");
        var batchSeconds = PrometheusText.Sum(metrics, "consumer_batch_duration_seconds_sum");
        var batches = PrometheusText.Sum(metrics, "consumer_batch_duration_seconds_count");
        var resultsJson = new JsonObject();
        foreach (var (key, value) in results.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            resultsJson[key] = value;
        }

        var drain = new JsonObject
        {
            ["messages"] = messages,
            ["seconds"] = BenchResult.Round(committedAt.TotalSeconds, 2),
            ["seconds_until_all_counted"] = BenchResult.Round(drained.TotalSeconds, 2),
            ["events_per_second"] = BenchResult.Round(messages / committedAt.TotalSeconds, 0),
            ["events_per_second_excluding_startup"] = BenchResult.Round(messages / (committedAt - consumer.StartupTime).TotalSeconds, 0),
            ["timing"] = "from process start to all offsets committed (start-up included)",
            ["messages_by_result"] = resultsJson,
            ["batches"] = batches,
            ["mean_batch_size"] = BenchResult.Round(batchSize.Count == 0 ? 0 : messages / batches, 1),
            ["mean_batch_seconds"] = BenchResult.Round(batches == 0 ? 0 : batchSeconds / batches, 4),
            ["postgres_cpu_seconds"] = BenchResult.Round(databaseCpu, 2),
            ["progress"] = progress,
            ["process"] = consumer.Describe(consumerCpu),
            ["matches_oracle"] = true,
            ["settle_seconds_not_measured"] = settleSeconds,
            ["top_statements"] = topStatements,
        };
        machineCpu.AddTo(drain);
        return drain;
    }

    /// <summary>Row counts (and pair statuses) as the oracle states them; throws naming the first difference.</summary>
    private async Task CheckRowsAsync(string connectionString, ExpectedState expected, string who)
    {
        var cancellationToken = context.CancellationToken;
        var counts = expected.Counts;
        var checks = new (string Sql, long Expected, string What)[]
        {
            ("SELECT count(*) FROM bo.ledger_entries", counts.LedgerEntries, "ledger entries"),
            ("SELECT count(*) FROM bo.payment_orders", counts.PaymentOrders, "payment orders"),
            ("SELECT count(*) FROM bo.payment_ledger_pairs", counts.Pairs, "pairs"),
        };
        foreach (var (sql, want, what) in checks)
        {
            var actual = await BenchPostgres.ScalarAsync<long>(connectionString, sql, cancellationToken);
            if (actual != want)
            {
                throw new InvalidOperationException($"{who}: {actual:N0} {what} in the database, the oracle expects {want:N0}.");
            }
        }

        foreach (var (status, want) in counts.PairsByStatus)
        {
            var actual = await BenchPostgres.ScalarAsync<long>(
                connectionString, $"SELECT count(*) FROM bo.payment_ledger_pairs WHERE pairing_status = '{status}'", cancellationToken);
            if (actual != want)
            {
                throw new InvalidOperationException($"{who}: {actual:N0} {status} pairs in the database, the oracle expects {want:N0}.");
            }
        }

        if (who == "consumer")
        {
            var dlq = await BenchPostgres.ScalarAsync<long>(connectionString, "SELECT count(*) FROM bo.consumer_dlq_events", cancellationToken);
            if (dlq != counts.Dlq)
            {
                throw new InvalidOperationException($"{who}: {dlq:N0} DLQ rows, the oracle expects {counts.Dlq:N0}.");
            }
        }

        context.Log($"{who}: rows match the oracle ({counts.LedgerEntries:N0} ledger entries, {counts.PaymentOrders:N0} orders, {counts.Pairs:N0} pairs)");
    }

    private static JsonObject Workload(ExpectedState expected, ProduceSummary produced, TimeSpan loading)
    {
        var byKind = new JsonObject();
        foreach (var (kind, count) in expected.Counts.ByKind)
        {
            byKind[kind] = count;
        }

        var pairs = new JsonObject();
        foreach (var (status, count) in expected.Counts.PairsByStatus)
        {
            pairs[status] = count;
        }

        return new JsonObject
        {
            ["generator"] = "Backoffice.Simulator TrafficGenerator (seeded), oracle from OracleBuilder",
            ["messages"] = expected.Counts.Messages,
            ["messages_by_kind"] = byKind,
            ["valid_events"] = expected.Counts.Valid,
            ["dlq_expected"] = expected.Counts.Dlq,
            ["skipped_expected"] = expected.Counts.Skipped,
            ["ledger_entries_expected"] = expected.Counts.LedgerEntries,
            ["payment_orders_expected"] = expected.Counts.PaymentOrders,
            ["pairs_expected"] = pairs,
            ["preload_seconds"] = BenchResult.Round(loading.TotalSeconds, 1),
            ["produced"] = produced.Delivered,
        };
    }
}
