using Backoffice.LocalInfra.Kafka;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>The broker answers on the address it was asked for, and only there.</summary>
public sealed class StableAddressTests(KafkaBrokerFixture kafka)
{
    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Clients_given_only_the_requested_port_reach_every_broker_through_the_stable_addresses()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var port = FreePortRange.Find(3);
        await using var cluster = kafka.StartPrivateCluster(new MockKafkaClusterOptions { Port = port, BrokerCount = 3 });
        var bootstrap = $"127.0.0.1:{port}";
        var topic = KafkaBrokerFixture.UniqueTopic("stable");
        cluster.CreateTopic(topic, partitions: 3);
        // Each partition led by a different broker: producing to all of them needs every broker.
        foreach (var brokerId in cluster.BrokerIds)
        {
            cluster.SetPartitionLeader(topic, brokerId - 1, brokerId);
        }

        Assert.Equal($"127.0.0.1:{port},127.0.0.1:{port + 1},127.0.0.1:{port + 2}", cluster.BootstrapServers);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            Assert.Equal(
                [(1, "127.0.0.1", port), (2, "127.0.0.1", port + 1), (3, "127.0.0.1", port + 2)],
                metadata.Brokers.Select(b => (b.BrokerId, b.Host, b.Port)).Order());
            Assert.Equal([1, 2, 3], metadata.Topics.Single(t => t.Topic == topic).Partitions.Select(p => p.Leader).Order());
        }

        var sent = Enumerable.Range(0, 30).Select(i => $"stable-{i:D2}").ToList();
        using (var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(bootstrap)))
        {
            var deliveries = await Task.WhenAll(sent.Select((v, i) =>
                producer.ProduceAsync(new TopicPartition(topic, i % 3), new Message<string, string> { Key = v, Value = v }, cancellationToken)));
            Assert.All(deliveries, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        }

        using var consumer = KafkaTestClients.Consumer(KafkaTestClients.GroupConsumerConfig(bootstrap, KafkaBrokerFixture.UniqueGroupId("stable")));
        consumer.Subscribe(topic);
        var received = KafkaTestClients.Consume(consumer, sent.Count, TimeSpan.FromSeconds(20));
        Assert.Equal(sent.Order(), received.Select(r => r.Message.Value).Order());
        consumer.Close();
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Topics_a_producer_auto_creates_get_the_configured_partition_count()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = kafka.StartPrivateCluster(new MockKafkaClusterOptions { DefaultPartitions = 5 });
        var topic = KafkaBrokerFixture.UniqueTopic("auto-created");

        using var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(cluster.BootstrapServers));
        var delivery = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" }, cancellationToken);

        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        Assert.Equal(5, admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }
}
