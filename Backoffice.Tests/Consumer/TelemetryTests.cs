using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Backoffice.SyncConsumer.Telemetry;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Consumer;

/// <summary>§7: the metrics on <c>/metrics</c> with their exact Prometheus names and labels, the accounting invariant, and a span per message.</summary>
[Collection(ConsumerMetricsGroup.Name)]
public sealed partial class TelemetryTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly string[] FinerFreshnessBounds = ["0.075", "0.15", "0.2", "0.3", "0.4"];

    [Fact]
    public async Task Consumed_messages_equal_upserted_plus_stale_plus_duplicate_plus_dlq_plus_skipped_and_metrics_have_the_specified_names()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        await using var host = new ConsumerHost(settings, ("Pairing:StaleAfter", "00:00:00.001")).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];
        var messages = new List<(string Topic, string? Value)>
        {
            (settings.LedgerTopic, Json.Ledger($"{id}-p", "PAYMENT", "5", $"po-{id}", version: 2)),
            (settings.LedgerTopic, Json.Ledger($"{id}-p", "PAYMENT", "5", $"po-{id}", version: 2)),   // duplicate
            (settings.LedgerTopic, Json.Ledger($"{id}-p", "PAYMENT", "5", $"po-{id}", version: 1)),   // stale
            (settings.LedgerTopic, Json.Ledger($"{id}-r", "RECEIVE", "5", $"po-{id}")),               // no version key
            (settings.LedgerTopic, Json.Ledger($"{id}-lonely", "PAYMENT", "5", $"po-{id}-lonely", version: 1)),
            (settings.LedgerTopic, $$"""{"txId": "{{id}}-alias", "walletId": "w", "entryType": "PAYMENT", "amount": "1"}"""),
            (settings.LedgerTopic, "{oops"),                                                         // dlq
            (settings.LedgerTopic, null),                                                            // skipped
            (settings.OrderTopic, Json.Order($"po-{id}", "SETTLED", updatedAt: "2026-11-25T01:00:00Z")),
            (settings.OrderTopic, """{"order_id": ""}"""),                                           // dlq
        };
        foreach (var (topic, value) in messages)
        {
            // One partition keeps the order, so "duplicate" and "stale" are deterministic.
            await producer.SendAsync(topic, id, value, partition: 0);
        }

        await Eventually.Holds(() => Assert.Equal(messages.Count, host.MessagesTotal()));
        var results = new[] { "upserted", "stale", "duplicate", "dlq", "skipped" };
        Assert.Equal(
            messages.Count,
            results.Sum(r => host.Messages("ledger", r) + host.Messages("payment_order", r)));
        Assert.Equal((4L, 1L, 1L, 1L, 1L), (host.Messages("ledger", "upserted"), host.Messages("ledger", "stale"), host.Messages("ledger", "duplicate"), host.Messages("ledger", "dlq"), host.Messages("ledger", "skipped")));
        Assert.Equal((1L, 1L), (host.Messages("payment_order", "upserted"), host.Messages("payment_order", "dlq")));

        string text = "";
        await Eventually.Holds(async () =>
        {
            text = await host.MetricsTextAsync();
            Assert.Matches(Series("pairing_incomplete", "") + @" [1-9]", text);
            // A gauge refreshed in the background like pairing_incomplete: a scrape may come before the refresh that counts it.
            Assert.Matches(Series("pairing_incomplete_stale", "") + @" [1-9]", text);
            Assert.Matches(Series("consumer_kafka_lag", $"partition=\"0\",topic=\"{Regex.Escape(settings.LedgerTopic)}\"") + " 0", text);
            // In the same wait: the batch histograms and the pairing series are recorded after the lag gauge moves.
            Assert.Matches(Series("consumer_messages_total", "result=\"upserted\",stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_messages_total", "result=\"skipped\",stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_dlq_total", "error_code=\"INVALID_JSON\",stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_dlq_total", "error_code=\"CORE_REQUIRED_MISSING\",stream=\"payment_order\""), text);
            Assert.Matches(Series("consumer_contract_violations_total", "error_code=\"INVALID_JSON\",stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_contract_alias_total", "alias=\"txId\",field=\"tx_id\",stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_version_missing_total", "stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_event_lag_seconds_bucket", "stream=\"ledger\",le=\"0.005\""), text);
            Assert.Matches(Series("consumer_freshness_seconds_bucket", "stream=\"payment_order\",le=\"60\""), text);
            // Finer bounds around the freshness and batch-duration range, so quantiles there mean something.
            foreach (var le in FinerFreshnessBounds)
            {
                Assert.Matches(Series("consumer_freshness_seconds_bucket", $"stream=\"ledger\",le=\"{le}\""), text);
            }

            Assert.Matches(Series("consumer_freshness_seconds_count", "stream=\"ledger\""), text);
            Assert.Matches(Series("consumer_batch_size_bucket", "le=\"500\""), text);
            Assert.Matches(Series("consumer_batch_duration_seconds_bucket", "le=\"0.005\""), text);
            Assert.Matches(Series("pairing_status_changes_total", "from=\"NONE\",to=\"INCOMPLETE\""), text);
            Assert.Matches(Series("pairing_status_changes_total", "from=\"[A-Z]+\",to=\"COMPLETE\""), text);
            Assert.Matches(Series("pairing_completion_seconds_bucket", "le=\"3600\""), text);
            Assert.Matches(@"# TYPE consumer_messages_total counter", text);
            Assert.Matches(@"# TYPE consumer_kafka_lag gauge", text);
            Assert.Matches(@"# TYPE consumer_freshness_seconds histogram", text);
        });
        Assert.DoesNotMatch(@"_total_total|_seconds_seconds", text);
    }

    [Fact]
    public async Task Each_message_is_a_span_that_continues_the_producers_traceparent_and_DLQ_spans_are_errors()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        var id = Guid.NewGuid().ToString("N")[..8];
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConsumerTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var traceparent = Encoding.UTF8.GetBytes($"00-{traceId}-{parentSpanId}-01");

        var delivery = await producer.SendAsync(settings.LedgerTopic, $"{id}-tx", Json.Ledger($"{id}-tx", relatedId: $"po-{id}"), [("traceparent", traceparent)]);
        await producer.SendAsync(settings.OrderTopic, null, Json.Order($"po-{id}", "CREATED"));
        await producer.SendAsync(settings.LedgerTopic, null, $$"""{"tx_id": "{{id}}-bad"}""");
        await Eventually.Holds(() => Assert.Equal(3, host.MessagesTotal()));

        // A message's span ends just after it is counted.
        Activity ledger = null!, order = null!, rejected = null!;
        await Eventually.Holds(() =>
        {
            ledger = Assert.Single(spans, s => (string?)s.GetTagItem("bo.tx_id") == $"{id}-tx");
            order = Assert.Single(spans, s => (string?)s.GetTagItem("bo.order_id") == $"po-{id}");
            rejected = Assert.Single(spans, s => (string?)s.GetTagItem("messaging.destination.name") == settings.LedgerTopic && (string?)s.GetTagItem("bo.result") == "dlq");
        });
        Assert.Equal(traceId, ledger.TraceId);
        Assert.Equal(parentSpanId, ledger.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, ledger.Kind);
        Assert.Equal(($"po-{id}", "kafka", settings.LedgerTopic, "upserted"), ((string?)ledger.GetTagItem("bo.related_id"), (string?)ledger.GetTagItem("messaging.system"), (string?)ledger.GetTagItem("messaging.destination.name"), (string?)ledger.GetTagItem("bo.result")));
        Assert.Equal(delivery.Offset.Value, ledger.GetTagItem("messaging.kafka.offset"));
        Assert.Equal(default, order.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, rejected.Status);
        Assert.Equal("CORE_REQUIRED_MISSING", rejected.GetTagItem("bo.error_code"));
    }

    /// <summary>A sample line of <paramref name="name"/> whose labels include <paramref name="labels"/> (scope labels may come first).</summary>
    private static string Series(string name, string labels) =>
        labels.Length == 0
            ? $@"(?m)^{name}(\{{[^}}]*\}})?"
            : $@"(?m)^{name}\{{([^}}]*,)?{labels}(,[^}}]*)?\}}";
}

/// <summary>
/// Runs alone, after the parallel classes. OpenTelemetry subscribes to meters by name across the
/// whole process, so a consumer host of another class alive at the same time (the pipeline and
/// rebalance tests start several) would export its own gauges under the same names here, e.g. a
/// <c>pairing_incomplete</c> of 0 read from its own database.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsumerMetricsGroup
{
    public const string Name = "Consumer metrics";
}
