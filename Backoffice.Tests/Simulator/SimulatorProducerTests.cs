using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Tests.Simulator;

/// <summary>The simulator's producer against the local Kafka-protocol broker: delivery, positions, trace headers, pacing.</summary>
public sealed class SimulatorProducerTests(KafkaBrokerFixture broker)
{
    [Fact]
    public async Task Every_message_is_delivered_with_a_traceparent_and_its_position_is_recorded()
    {
        var topics = await CreateTopicsAsync();
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 21, Payments = 150, MalformedShare = 0.05, TombstoneShare = 0.02 }).Generate().ToList();
        var deliveries = new DeliveryLog();

        var summary = await ProduceAsync(topics, messages, ProducePacing.Unpaced, deliveries);

        Assert.Equal((messages.Count, messages.Count, 0L), (summary.Enqueued, summary.Delivered, summary.Failed));
        Assert.Equal(messages.Count, deliveries.Count);
        var records = Consume(topics, messages.Count);
        var byPosition = records.ToDictionary(r => (r.Topic, r.Partition.Value, r.Offset.Value));
        Assert.All(messages, message =>
        {
            var position = deliveries.PositionOf(message.Sequence)!;
            Assert.Equal(topics.For(message.Stream), position.Topic);
            var record = byPosition[(position.Topic, position.Partition, position.Offset)];
            Assert.Equal(message.Key, record.Message.Key);
            Assert.Equal(message.Value, record.Message.Value);
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", Encoding.ASCII.GetString(record.Message.Headers.GetLastBytes("traceparent")));
        });
        // One key, one partition: an entity's versions keep their order.
        Assert.All(records.GroupBy(r => (r.Topic, r.Message.Key)), g => Assert.Single(g.Select(r => r.Partition.Value).Distinct()));
        Assert.Equal(records.Count, records.Select(r => Encoding.ASCII.GetString(r.Message.Headers.GetLastBytes("traceparent"))[3..35]).Distinct().Count());
    }

    [Fact]
    public async Task Each_message_starts_a_trace_at_a_producer_span_tagged_with_its_ids()
    {
        var topics = await CreateTopicsAsync();
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 22, Payments = 5, IdPrefix = $"trace{Guid.NewGuid():N}"[..20] }).Generate().ToList();
        var keys = messages.Select(m => m.Key).ToHashSet();
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SimulatorTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("messaging.kafka.message.key") is string key && keys.Contains(key))
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var ambient = new Activity("ambient").Start();

        await ProduceAsync(topics, messages, ProducePacing.Unpaced, null);

        var records = Consume(topics, messages.Count);
        Assert.Equal(messages.Count, spans.Count);
        var spanById = spans.ToDictionary(s => s.Id!);
        Assert.All(records, record =>
        {
            var span = spanById[Encoding.ASCII.GetString(record.Message.Headers.GetLastBytes("traceparent"))];
            Assert.Equal(ActivityKind.Producer, span.Kind);
            Assert.Equal(default, span.ParentSpanId);
            Assert.Equal(record.Topic, span.GetTagItem("messaging.destination.name"));
            Assert.Equal(record.Offset.Value, span.GetTagItem("messaging.kafka.offset"));
            var message = messages.First(m => m.Key == record.Message.Key && m.Value.AsSpan().SequenceEqual(record.Message.Value));
            Assert.Equal(message.TxId, span.GetTagItem(SimulatorTelemetry.TxIdTag));
            Assert.Equal(message.OrderId, span.GetTagItem(SimulatorTelemetry.OrderIdTag));
            Assert.Equal(message.RelatedId, span.GetTagItem(SimulatorTelemetry.RelatedIdTag));
        });
        Assert.Same(ambient, Activity.Current);
    }

    [Fact]
    public async Task A_rate_paces_production()
    {
        var topics = await CreateTopicsAsync();
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 23, Payments = 10 }).Generate().Take(60).ToList();

        var summary = await ProduceAsync(topics, messages, ProducePacing.Rate(100), null);

        // 60 messages at 100/s: about 0.6 s (one token is there at the start).
        Assert.InRange(summary.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        Assert.Equal(60, summary.Delivered);
    }

    [Fact]
    public async Task Following_event_time_sends_each_message_when_its_simulated_time_comes()
    {
        var topics = await CreateTopicsAsync();
        var start = DateTimeOffset.UtcNow;
        var messages = new TrafficGenerator(new TrafficOptions { Seed = 24, Payments = 4, StartTime = start, EventsPerSecond = 40 }).Generate().ToList();

        await ProduceAsync(topics, messages, ProducePacing.EventTime, null);

        var records = Consume(topics, messages.Count);
        Assert.All(records, record =>
        {
            var message = messages.First(m => m.Key == record.Message.Key && m.Value.AsSpan().SequenceEqual(record.Message.Value));
            Assert.True(record.Message.Timestamp.UtcDateTime >= message.At.UtcDateTime.AddMilliseconds(-5), $"{message.Key} sent before its time");
        });
    }

    [Fact]
    public async Task Generate_against_the_broker_records_the_position_of_every_expected_dlq_row()
    {
        var topics = await CreateTopicsAsync();
        var oraclePath = Path.Combine(Path.GetTempPath(), $"bo-sim-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, stdout, stderr) = await GenerateCommandTests.RunAsync(
                "--payments", "120", "--seed", "8", "--malformed-share", "0.05", "--bootstrap-servers", broker.BootstrapServers,
                "--ledger-topic", topics.Ledger, "--payment-order-topic", topics.PaymentOrder, "--oracle", oraclePath);

            Assert.True(exitCode == 0, stderr);
            var oracle = await OracleFile.ReadAsync(oraclePath, TestContext.Current.CancellationToken);
            Assert.True(oracle.Run.Produced);
            Assert.Contains($"\"produced\":{oracle.Counts.Messages}", stdout, StringComparison.Ordinal);
            Assert.NotEmpty(oracle.Dlq);
            var records = Consume(topics, (int)oracle.Counts.Messages).ToDictionary(r => (r.Topic, r.Partition.Value, r.Offset.Value));
            Assert.All(oracle.Dlq.Select(d => (d.Key, d.Position)).Concat(oracle.Skipped.Select(s => (s.Key, s.Position))), row =>
            {
                Assert.NotNull(row.Position);
                Assert.Equal(row.Key, records[(row.Position.Topic, row.Position.Partition, row.Position.Offset)].Message.Key);
            });
            Assert.All(oracle.Skipped, s => Assert.Null(records[(s.Position!.Topic, s.Position.Partition, s.Position.Offset)].Message.Value));
        }
        finally
        {
            File.Delete(oraclePath);
        }
    }

    private async Task<SimulatorTopics> CreateTopicsAsync() =>
        new(await broker.CreateTopicAsync("sim-ledger"), await broker.CreateTopicAsync("sim-orders"));

    private async Task<ProduceSummary> ProduceAsync(SimulatorTopics topics, IEnumerable<SimulatedMessage> messages, ProducePacing pacing, DeliveryLog? deliveries)
    {
        var config = new ProducerConfig();
        SimulatorKafka.ApplyProducerDefaults(config, bulk: true);
        var profile = new KafkaProfile(KafkaProfiles.Local, broker.BootstrapServers, topics.ByStreamName);
        using var producer = new KafkaClientFactory(profile, NullLoggerFactory.Instance).CreateProducerBuilder<string, byte[]?>(config).Build();
        var simulatorProducer = new SimulatorProducer(producer, topics.For, TimeProvider.System, NullLogger<SimulatorProducer>.Instance);
        return await simulatorProducer.ProduceAsync(messages, pacing, deliveries, TestContext.Current.CancellationToken);
    }

    private List<ConsumeResult<string, byte[]>> Consume(SimulatorTopics topics, int count)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = KafkaBrokerFixture.UniqueGroupId("sim"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe([topics.Ledger, topics.PaymentOrder]);
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = Stopwatch.StartNew();
        while (records.Count < count && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        Assert.Equal(count, records.Count);
        return records;
    }
}
