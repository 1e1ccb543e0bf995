using Backoffice.Chaos.Environment;
using Confluent.Kafka;

namespace Backoffice.Chaos.Traffic;

/// <summary>
/// How far the consumer group has got: the sum of its committed offsets against the end of every
/// partition. The consumer commits an offset only after the transaction holding its effect
/// committed, so this is a lower bound of what is in the database.
/// </summary>
public sealed class GroupProgress : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _probe;
    private readonly List<TopicPartition> _partitions;

    public GroupProgress(string bootstrapServers, ChaosTopics topics, IReadOnlyDictionary<TopicPartition, long> endOffsets)
    {
        // Same group id, never subscribed: it reads the group's offsets without joining the group.
        // Quiet: while the broker is down on purpose, its connection errors are expected.
        _probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = topics.GroupId })
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
        _partitions = [.. endOffsets.Keys];
        Total = endOffsets.Values.Sum();
    }

    public long Total { get; }

    /// <summary>Messages committed so far; null when the broker cannot tell right now (it may be down).</summary>
    public async Task<long?> CommittedAsync()
    {
        try
        {
            var committed = await Task.Run(() => _probe.Committed(_partitions, TimeSpan.FromSeconds(3)));
            return committed.Sum(c => c.Offset.IsSpecial ? 0 : c.Offset.Value);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    public async Task<double?> FractionAsync() => await CommittedAsync() is { } committed ? (double)committed / Total : null;

    /// <summary>
    /// Polls until at least <paramref name="fraction"/> of the messages are committed. Throws when
    /// <paramref name="timeout"/> passes or <paramref name="failed"/> reports a reason to stop.
    /// </summary>
    public async Task<double> WaitForAsync(double fraction, TimeSpan timeout, Func<string?> failed, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await FractionAsync() is { } reached && reached >= fraction)
            {
                return reached;
            }

            if (failed() is { } reason)
            {
                throw new ChaosRunException(reason);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new ChaosRunException($"The group did not reach {fraction:P0} of {Total} messages within {timeout} (at {await CommittedAsync()}).");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public void Dispose()
    {
        _probe.Close();
        _probe.Dispose();
    }
}
