using System.Collections.Concurrent;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>Produce and consume across separate clients on the shared broker, as the Backoffice does.</summary>
public sealed class ConsumerGroupTests(KafkaBrokerFixture kafka)
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromSeconds(20);

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Committed_offsets_hand_the_topic_over_to_a_later_group_member_without_loss_or_redelivery()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        const int partitions = 3;
        var topic = await kafka.CreateTopicAsync("handover", partitions);
        var groupId = KafkaBrokerFixture.UniqueGroupId("handover");
        var sent = Enumerable.Range(0, 100).Select(i => $"event-{i:D3}").ToList();

        using (var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(kafka.BootstrapServers)))
        {
            await KafkaTestClients.ProduceAllAsync(producer, topic, sent, cancellationToken);
        }

        List<string> firstMember;
        using (var consumer = KafkaTestClients.Consumer(KafkaTestClients.GroupConsumerConfig(kafka.BootstrapServers, groupId)))
        {
            consumer.Subscribe(topic);
            var consumed = KafkaTestClients.Consume(consumer, 60, ConsumeTimeout);
            foreach (var result in consumed)
            {
                consumer.StoreOffset(result);
            }

            consumer.Commit();
            Assert.Equal(sent.Count, KafkaTestClients.MessagesInTopic(consumer, topic, partitions));
            consumer.Close();
            firstMember = consumed.Select(r => r.Message.Value).ToList();
        }

        using var laterMember = KafkaTestClients.Consumer(KafkaTestClients.GroupConsumerConfig(kafka.BootstrapServers, groupId));
        laterMember.Subscribe(topic);
        var rest = KafkaTestClients.Consume(laterMember, sent.Count - firstMember.Count, ConsumeTimeout)
            .Select(r => r.Message.Value)
            .ToList();
        var extra = laterMember.Consume(TimeSpan.FromSeconds(1));

        Assert.Null(extra);
        Assert.Empty(rest.Intersect(firstMember));
        Assert.Equal(rest.Count, rest.Distinct().Count());
        Assert.Equal(sent.Order(), firstMember.Concat(rest).Order());
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Cooperative_sticky_members_share_the_partitions_commit_and_take_over_when_one_leaves()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        const int partitions = 3;
        var topic = await kafka.CreateTopicAsync("cooperative", partitions);
        var groupId = KafkaBrokerFixture.UniqueGroupId("cooperative");
        using var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(kafka.BootstrapServers));
        using var first = KafkaTestClients.Consumer(KafkaTestClients.GroupConsumerConfig(kafka.BootstrapServers, groupId));
        using var second = KafkaTestClients.Consumer(KafkaTestClients.GroupConsumerConfig(kafka.BootstrapServers, groupId));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConsumeTimeout);
        first.Subscribe(topic);
        second.Subscribe(topic);

        // Members must keep polling for the group to settle, so each polls on its own thread.
        // Messages are produced once the group is stable: the mock refuses commits for the whole
        // of a rebalance (RebalanceInProgress), which lasts session.timeout.ms - 1 s there.
        var received = new ConcurrentQueue<string>();
        await PollBothAsync(() => first.Assignment.Count > 0 && second.Assignment.Count > 0);
        var sent = Enumerable.Range(0, 60).Select(i => $"order-{i:D3}").ToList();
        await KafkaTestClients.ProduceAllAsync(producer, topic, sent, cancellationToken);
        await PollBothAsync(() => received.Count >= sent.Count);

        Assert.Equal(sent.Order(), received.Order());
        Assert.Equal(partitions, first.Assignment.Count + second.Assignment.Count);
        var committed = first.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(5));
        Assert.Equal(sent.Count, committed.Sum(c => c.Offset.Value));

        second.Close();
        await Task.Run(() => PollAndCommit(first, received, () => first.Assignment.Count == partitions, deadline.Token), cancellationToken);
        var more = Enumerable.Range(0, 10).Select(i => $"later-{i:D3}").ToList();
        await KafkaTestClients.ProduceAllAsync(producer, topic, more, cancellationToken);
        await Task.Run(() => PollAndCommit(first, received, () => received.Count >= sent.Count + more.Count, deadline.Token), cancellationToken);
        var extra = first.Consume(TimeSpan.FromMilliseconds(500));

        Assert.Null(extra);
        Assert.Equal(sent.Concat(more).Order(), received.Order());
        first.Close();

        Task PollBothAsync(Func<bool> done) => Task.WhenAll(
            new[] { first, second }.Select(c => Task.Run(() => PollAndCommit(c, received, done, deadline.Token), cancellationToken)));
    }

    private static void PollAndCommit(IConsumer<string, string> consumer, ConcurrentQueue<string> received, Func<bool> done, CancellationToken cancellationToken)
    {
        while (!done())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
            {
                received.Enqueue(result.Message.Value);
                consumer.StoreOffset(result);
                consumer.Commit();
            }
        }
    }
}
