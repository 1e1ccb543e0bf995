using System.Collections.Concurrent;
using System.Diagnostics;
using Backoffice.LocalInfra.Kafka;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>Injected faults reach real clients the way broker failures do.</summary>
public sealed class FaultInjectionTests(KafkaBrokerFixture kafka)
{
    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task A_downed_broker_fails_produces_until_it_is_up_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster();
        var topic = KafkaBrokerFixture.UniqueTopic("down");
        using var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers));
        // A second client that gives up on a message after 1.5 s, to observe the outage.
        var probeConfig = KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers);
        probeConfig.MessageTimeoutMs = 1500;
        using var probe = KafkaTestClients.Producer(probeConfig);
        await producer.ProduceAsync(topic, Message("before"), cancellationToken);
        await probe.ProduceAsync(topic, Message("probe"), cancellationToken);

        cluster.SetBrokerDown(1);
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => probe.ProduceAsync(topic, Message("while-down"), cancellationToken));
        cluster.SetBrokerUp(1);
        var after = await producer.ProduceAsync(topic, Message("after"), cancellationToken);

        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, after.Status);
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task A_downed_broker_cuts_a_consumer_off_until_it_is_up_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster();
        var topic = KafkaBrokerFixture.UniqueTopic("down-consumer");
        cluster.CreateTopic(topic, partitions: 1);
        using var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers));
        var errors = new ConcurrentQueue<ErrorCode>();
        var config = KafkaTestClients.GroupConsumerConfig(cluster.BootstrapServers, KafkaBrokerFixture.UniqueGroupId("down-consumer"));
        using var consumer = KafkaTestClients.Consumer(config, error => errors.Enqueue(error.Code));
        consumer.Subscribe(topic);
        await producer.ProduceAsync(topic, Message("first"), cancellationToken);
        Assert.Equal("first", KafkaTestClients.Consume(consumer, 1, TimeSpan.FromSeconds(20)).Single().Message.Value);

        cluster.SetBrokerDown(1);
        var clock = Stopwatch.StartNew();
        while (!errors.Contains(ErrorCode.Local_AllBrokersDown) && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(100)));
        }

        cluster.SetBrokerUp(1);
        await producer.ProduceAsync(topic, Message("second"), cancellationToken);
        var afterOutage = KafkaTestClients.Consume(consumer, 1, TimeSpan.FromSeconds(20)).Single();

        Assert.Contains(ErrorCode.Local_AllBrokersDown, errors);
        Assert.Equal("second", afterOutage.Message.Value);
        consumer.Close();
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Produce_errors_are_retried_by_the_idempotent_producer_and_every_message_is_stored_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster();
        const int partitions = 3;
        var topic = KafkaBrokerFixture.UniqueTopic("produce-errors");
        cluster.CreateTopic(topic, partitions);
        var config = KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers);
        // One request at a time. The injected Local_Transport closes the connection, but the mock
        // still appends a request pipelined behind the failed one, and its sequence check lets
        // the client's retry of that request in again (seen in about 1 run in 12 on two busy
        // cores: 13 or 19 messages stored twice). A real broker rejects that retry as a duplicate
        // sequence; the test is about the injected errors, not that gap in the mock.
        config.MaxInFlight = 1;
        using var producer = KafkaTestClients.Producer(config);
        await producer.ProduceAsync(topic, Message("warm-up"), cancellationToken);

        cluster.PushBrokerRequestErrors(1, KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.Local_Transport);
        var sent = Enumerable.Range(0, 50).Select(i => $"retried-{i:D2}").ToList();
        await KafkaTestClients.ProduceAllAsync(producer, topic, sent, cancellationToken);

        Assert.Equal(0, cluster.PendingBrokerRequestErrors(1, KafkaApiKey.Produce));
        AssertStoredOnce(cluster, topic, partitions, ["warm-up", .. sent]);
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Produce_responses_lost_to_a_slow_broker_are_retried_without_duplicates()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster();
        const int partitions = 3;
        var topic = KafkaBrokerFixture.UniqueTopic("lost-responses");
        cluster.CreateTopic(topic, partitions);
        var config = KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers);
        config.RequestTimeoutMs = 1000;
        using var producer = KafkaTestClients.Producer(config);
        await producer.ProduceAsync(topic, Message("warm-up"), cancellationToken);

        // The broker appends at once but answers after 2.5 s: the producer gives up on the
        // requests after 1 s, reconnects and sends the same batches again.
        cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(2500));
        var sent = Enumerable.Range(0, 20).Select(i => $"resent-{i:D2}").ToList();
        var producing = KafkaTestClients.ProduceAllAsync(producer, topic, sent, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(1800), cancellationToken);
        cluster.SetBrokerRtt(1, TimeSpan.Zero);
        await producing;

        AssertStoredOnce(cluster, topic, partitions, ["warm-up", .. sent]);
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Broker_rtt_delays_every_response()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster();
        var topic = KafkaBrokerFixture.UniqueTopic("rtt");
        var config = KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers);
        config.LingerMs = 0;
        using var producer = KafkaTestClients.Producer(config);
        await producer.ProduceAsync(topic, Message("warm-up"), cancellationToken);

        var baseline = await TimeProduceAsync(producer, topic, cancellationToken);
        cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(400));
        var delayed = await TimeProduceAsync(producer, topic, cancellationToken);
        cluster.SetBrokerRtt(1, TimeSpan.Zero);
        var restored = await TimeProduceAsync(producer, topic, cancellationToken);

        Assert.True(delayed >= TimeSpan.FromMilliseconds(400), $"A produce with 400 ms RTT took {delayed.TotalMilliseconds} ms.");
        Assert.True(baseline < TimeSpan.FromMilliseconds(200), $"A produce without RTT took {baseline.TotalMilliseconds} ms.");
        Assert.True(restored < TimeSpan.FromMilliseconds(200), $"A produce after removing the RTT took {restored.TotalMilliseconds} ms.");
    }

    private static Message<string, string> Message(string value) => new() { Key = value, Value = value };

    private static async Task<TimeSpan> TimeProduceAsync(IProducer<string, string> producer, string topic, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await producer.ProduceAsync(topic, Message("timed"), cancellationToken);
        return clock.Elapsed;
    }

    /// <summary>The topic's logs hold each expected value exactly once, and nothing else.</summary>
    private static void AssertStoredOnce(MockKafkaCluster cluster, string topic, int partitions, IReadOnlyList<string> expected)
    {
        var config = KafkaTestClients.GroupConsumerConfig(cluster.BootstrapServers, KafkaBrokerFixture.UniqueGroupId("verify"));
        using var consumer = KafkaTestClients.Consumer(config);
        Assert.Equal(expected.Count, KafkaTestClients.MessagesInTopic(consumer, topic, partitions));
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var stored = KafkaTestClients.Consume(consumer, expected.Count, TimeSpan.FromSeconds(20)).Select(r => r.Message.Value);
        Assert.Equal(expected.Order(), stored.Order());
    }
}
