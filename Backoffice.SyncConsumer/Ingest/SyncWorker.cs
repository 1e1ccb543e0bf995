using System.Diagnostics;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.SyncConsumer.Telemetry;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// The consume loop (§5), one per instance: poll a batch (up to <c>MaxBatchSize</c> messages or
/// <c>MaxBatchDelay</c>), normalise, write it in one transaction, then commit the offsets, never
/// ahead of the database. While a write is retried the assigned partitions are paused and polling
/// goes on, so the instance stays in the group however long the database is away.
/// </summary>
public sealed partial class SyncWorker(
    KafkaClientFactory kafka,
    KafkaProfile profile,
    EventNormalizer normalizer,
    BatchProcessor processor,
    KafkaLagTracker lag,
    ConsumerMetrics metrics,
    IOptions<ConsumerOptions> options,
    TimeProvider timeProvider,
    ILogger<SyncWorker> logger) : BackgroundService
{
    /// <summary>Poll wait when idle, and the slice of a retry wait between two polls.</summary>
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a batch may still take to finish after SIGTERM; the host allows 10 s in all (§5).</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(7);

    private static readonly TimeSpan LagRefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>How soon a refused offset commit is made again when no new batch commits it first.</summary>
    private static readonly TimeSpan CommitRetryInterval = TimeSpan.FromSeconds(1);

    private readonly ConsumerOptions _options = options.Value;
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _carryOver = [];

    /// <summary>
    /// Offsets of committed work whose offset commit the broker refused (e.g. during a rebalance),
    /// per partition still owned: made again with the next commit, or within a second when the
    /// stream is quiet, so the group's committed offsets do not stay behind the database.
    /// </summary>
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];
    private List<ConsumeResult<byte[]?, byte[]?>>? _collecting;
    private InFlightBatch? _inFlight;
    private bool _paused;
    private long _lastLagRefresh;
    private long _lastCommitAttempt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var consumer = BuildConsumer();
        using var hardStop = new CancellationTokenSource();
        await using var onStopping = stoppingToken.Register(() => hardStop.CancelAfter(ShutdownGrace));
        consumer.Subscribe(profile.Topics.Values);
        LogStarted(profile.Name, profile.Topics.Values, _options.GroupId);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var records = Collect(consumer, stoppingToken);
                if (records.Count > 0)
                {
                    // Once polled, a batch is finished even when shutdown was requested meanwhile.
                    await ProcessAsync(consumer, records, stoppingToken, hardStop.Token);
                }
                else if (_uncommitted.Count > 0 && timeProvider.GetElapsedTime(_lastCommitAttempt) >= CommitRetryInterval)
                {
                    Commit(consumer, []);
                }

                RefreshLag(consumer);
            }
        }
        finally
        {
            // Leaves the group now, so the partitions move to another instance without waiting for the session timeout.
            consumer.Close();
            LogStopped();
        }
    }

    private IConsumer<byte[]?, byte[]?> BuildConsumer()
    {
        var config = new ConsumerConfig(_options.Kafka)
        {
            GroupId = _options.GroupId,
            ClientId = $"{_options.GroupId}-{Environment.MachineName}-{Environment.ProcessId}",
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            // Offsets are committed explicitly after the transaction holding their effect commits.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
        };
        return kafka.CreateConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .Build();
    }

    private List<ConsumeResult<byte[]?, byte[]?>> Collect(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stoppingToken)
    {
        var batch = new List<ConsumeResult<byte[]?, byte[]?>>(_carryOver);
        _carryOver.Clear();
        _collecting = batch;
        try
        {
            if (batch.Count == 0 && Consume(consumer, PollSlice) is { } first)
            {
                batch.Add(first);
            }

            if (batch.Count == 0)
            {
                return batch;
            }

            var started = timeProvider.GetTimestamp();
            while (batch.Count < _options.MaxBatchSize && !stoppingToken.IsCancellationRequested)
            {
                var remaining = _options.MaxBatchDelay - timeProvider.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || Consume(consumer, remaining) is not { } next)
                {
                    break;
                }

                batch.Add(next);
            }

            return batch;
        }
        finally
        {
            _collecting = null;
        }
    }

    private ConsumeResult<byte[]?, byte[]?>? Consume(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // E.g. a subscribed topic that does not exist yet: librdkafka keeps retrying by itself.
            LogConsumeError(ex.Error.Code, ex.Error.Reason);
            return null;
        }
    }

    private async Task ProcessAsync(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        var started = timeProvider.GetTimestamp();
        var items = records.Select(ToItem).ToList();
        var batch = new InFlightBatch(items);
        _inFlight = batch;
        try
        {
            while (true)
            {
                var pending = items.Where(i => i.Result is null && !batch.IsRevoked(i)).ToList();
                if (pending.Count == 0)
                {
                    break;
                }

                try
                {
                    // The database work of the batch nests under one span linked to the message spans.
                    using var write = ConsumerTracing.StartBatch(pending);
                    await processor.WriteAsync(pending, (delay, ct) => WaitPausedAsync(consumer, batch, delay, stoppingToken, ct), hardStop);
                    break;
                }
                catch (BatchAbandonedException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Some partitions of the batch were revoked during a retry; go on with the others.
                    batch.ResetAbandon();
                }
                catch (Exception ex) when (ex is BatchAbandonedException or OperationCanceledException && stoppingToken.IsCancellationRequested)
                {
                    LogAbandonedAtShutdown(items.Count(i => i.Result is null));
                    break;
                }
            }
        }
        finally
        {
            _inFlight = null;
            Resume(consumer);
            foreach (var item in items.Where(i => i.Result is null))
            {
                // Not committed: the message is delivered again (here or to the partition's new owner).
                item.Span?.SetTag("bo.result", "abandoned");
                item.Span?.Stop();
            }
        }

        CommitOffsets(consumer, items.Where(i => !batch.IsRevoked(i)));
        metrics.Batch(records.Count, timeProvider.GetElapsedTime(started));
    }

    private BatchItem ToItem(ConsumeResult<byte[]?, byte[]?> record)
    {
        var stream = profile.StreamOf(record.Topic) switch
        {
            KafkaStreams.Ledger => StreamKind.Ledger,
            KafkaStreams.PaymentOrder => StreamKind.PaymentOrder,
            _ => throw new InvalidOperationException($"Consumed topic '{record.Topic}' is not a topic of profile '{profile.Name}'."),
        };
        var headers = record.Message.Headers is { } h
            ? h.Select(header => KeyValuePair.Create(header.Key, header.GetValueBytes() ?? [])).ToList()
            : [];
        var timestamp = record.Message.Timestamp.Type == TimestampType.NotAvailable
            ? timeProvider.GetUtcNow()
            : new DateTimeOffset(record.Message.Timestamp.UtcDateTime, TimeSpan.Zero);
        var message = new InboundMessage(stream, record.Topic, record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value, headers, timestamp);
        var span = ConsumerTracing.StartMessage(message, _options.GroupId);
        var normalised = normalizer.Normalise(message);
        span.TagIdentifiers(normalised);
        return new BatchItem(message, normalised, span);
    }

    /// <summary>
    /// The wait between two write attempts: partitions paused, polling on so the group keeps this
    /// member (max.poll.interval.ms) and rebalances are served.
    /// </summary>
    private Task WaitPausedAsync(IConsumer<byte[]?, byte[]?> consumer, InFlightBatch batch, TimeSpan delay, CancellationToken stoppingToken, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        do
        {
            if (batch.Abandoned || stoppingToken.IsCancellationRequested)
            {
                throw new BatchAbandonedException();
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!_paused || batch.AssignmentChanged)
            {
                consumer.Pause(consumer.Assignment);
                _paused = true;
                batch.AssignmentChanged = false;
            }

            // Never a negative timeout: librdkafka reads it as "wait forever".
            var remaining = delay - timeProvider.GetElapsedTime(started);
            var slice = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining < PollSlice ? remaining : PollSlice;
            if (Consume(consumer, slice) is { } record)
            {
                // Fetched before the pause took effect: keep it for the next batch, in order.
                _carryOver.Add(record);
            }
        }
        while (timeProvider.GetElapsedTime(started) < delay);

        // A revocation served by the last poll must not be followed by another attempt on its partitions.
        if (batch.Abandoned || stoppingToken.IsCancellationRequested)
        {
            throw new BatchAbandonedException();
        }

        return Task.CompletedTask;
    }

    private void Resume(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_paused)
        {
            consumer.Resume(consumer.Assignment);
            _paused = false;
        }
    }

    /// <summary>Commits, per partition, the offset after the last message whose transaction committed (a contiguous prefix).</summary>
    private void CommitOffsets(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<BatchItem> items)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var partition in items.GroupBy(i => new TopicPartition(i.Message.Topic, i.Message.Partition)))
        {
            long? next = null;
            foreach (var item in partition.OrderBy(i => i.Message.Offset))
            {
                if (item.Result is null)
                {
                    break;
                }

                next = item.Message.Offset + 1;
            }

            if (next is { } offset && _assigned.Contains(partition.Key))
            {
                offsets.Add(new TopicPartitionOffset(partition.Key, offset));
            }
        }

        Commit(consumer, offsets);
    }

    /// <summary>Commits <paramref name="offsets"/> together with earlier refused ones of the same partitions (the later offset wins).</summary>
    private void Commit(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> offsets, HashSet<TopicPartition>? only = null)
    {
        var next = _uncommitted
            .Where(u => only is null || only.Contains(u.Key))
            .ToDictionary(u => u.Key, u => u.Value);
        foreach (var offset in offsets)
        {
            next[offset.TopicPartition] = Math.Max(next.GetValueOrDefault(offset.TopicPartition), offset.Offset.Value);
        }

        if (next.Count == 0)
        {
            return;
        }

        _lastCommitAttempt = timeProvider.GetTimestamp();
        try
        {
            consumer.Commit(next.Select(n => new TopicPartitionOffset(n.Key, n.Value)));
            foreach (var (partition, offset) in next)
            {
                _uncommitted.Remove(partition);
                lag.Committed(partition.Topic, partition.Partition.Value, offset);
            }
        }
        catch (KafkaException ex)
        {
            // The rows are committed; failing to record the offsets only means redelivery, which the
            // upserts absorb as duplicates. They are committed again with the next commit (or soon,
            // when the stream is quiet) while this instance owns the partitions.
            LogOffsetCommitFailed(ex.Error.Code, ex.Error.Reason);
            foreach (var (partition, offset) in next)
            {
                _uncommitted[partition] = offset;
            }
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _assigned.Add(partition);
            lag.Assigned(partition.Topic, partition.Partition.Value);
        }

        if (_inFlight is { } batch)
        {
            batch.AssignmentChanged = true;
        }

        LogAssigned(partitions);
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = partitions.Select(p => p.TopicPartition).ToHashSet();
        if (_inFlight is { } batch)
        {
            // The batch is between two write attempts: commit what already committed for the
            // revoked partitions, abandon the rest (the new owner reads it again).
            CommitOffsets(consumer, batch.Items.Where(i => revoked.Contains(new TopicPartition(i.Message.Topic, i.Message.Partition))));
            batch.Revoke(revoked);
        }
        else if (_uncommitted.Keys.Any(revoked.Contains))
        {
            // Last chance for refused offsets of partitions leaving this instance.
            Commit(consumer, [], revoked);
        }

        Forget(revoked);
        LogRevoked(revoked);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        var lost = partitions.Select(p => p.TopicPartition).ToHashSet();
        _inFlight?.Revoke(lost);
        Forget(lost);
        LogLost(lost);
    }

    /// <summary>Drops every uncommitted trace of partitions this instance no longer owns.</summary>
    private void Forget(HashSet<TopicPartition> partitions)
    {
        bool Owned(ConsumeResult<byte[]?, byte[]?> r) => !partitions.Contains(r.TopicPartition);
        _collecting?.RemoveAll(r => !Owned(r));
        _carryOver.RemoveAll(r => !Owned(r));
        foreach (var partition in partitions)
        {
            _assigned.Remove(partition);
            _uncommitted.Remove(partition);
            lag.Removed(partition.Topic, partition.Partition.Value);
        }
    }

    /// <summary>Reads the cached high watermarks (no broker request) and, once per partition, the committed offset.</summary>
    private void RefreshLag(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (timeProvider.GetElapsedTime(_lastLagRefresh) < LagRefreshInterval || _assigned.Count == 0)
        {
            return;
        }

        _lastLagRefresh = timeProvider.GetTimestamp();
        var unknown = _assigned.Where(p => !lag.HasCommitted(p.Topic, p.Partition.Value)).ToList();
        if (unknown.Count > 0)
        {
            try
            {
                foreach (var committed in consumer.Committed(unknown, TimeSpan.FromSeconds(2)))
                {
                    var offset = committed.Offset.IsSpecial ? consumer.GetWatermarkOffsets(committed.TopicPartition).Low : committed.Offset;
                    if (!offset.IsSpecial)
                    {
                        lag.Committed(committed.Topic, committed.Partition.Value, offset.Value);
                    }
                }
            }
            catch (KafkaException ex)
            {
                // Typically during a rebalance; the next refresh asks again.
                LogCommittedLookupFailed(ex.Error.Code, ex.Error.Reason);
            }
        }

        foreach (var partition in _assigned)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            if (!watermarks.High.IsSpecial)
            {
                lag.HighWatermark(partition.Topic, partition.Partition.Value, watermarks.High.Value);
            }
        }
    }

    /// <summary>The batch being written, as the rebalance callbacks see it.</summary>
    private sealed class InFlightBatch(IReadOnlyList<BatchItem> items)
    {
        private readonly HashSet<TopicPartition> _revoked = [];

        public IReadOnlyList<BatchItem> Items { get; } = items;

        public bool Abandoned { get; private set; }

        public bool AssignmentChanged { get; set; }

        public bool IsRevoked(BatchItem item) => _revoked.Contains(new TopicPartition(item.Message.Topic, item.Message.Partition));

        public void Revoke(HashSet<TopicPartition> partitions)
        {
            if (Items.Any(i => i.Result is null && partitions.Contains(new TopicPartition(i.Message.Topic, i.Message.Partition))))
            {
                Abandoned = true;
            }

            _revoked.UnionWith(partitions);
        }

        public void ResetAbandon() => Abandoned = false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming profile {Profile} topics {Topics} as group {GroupId}")]
    private partial void LogStarted(string profile, IEnumerable<string> topics, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer closed and left the group")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    private partial void LogAssigned(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    private partial void LogRevoked(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions lost: {Partitions}")]
    private partial void LogLost(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason}")]
    private partial void LogConsumeError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read committed offsets for the lag gauge ({Code}: {Reason})")]
    private partial void LogCommittedLookupFailed(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offset commit failed ({Code}: {Reason}); the messages will be delivered again and counted as duplicates")]
    private partial void LogOffsetCommitFailed(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutting down while the database is unavailable: {Count} message(s) left uncommitted for redelivery")]
    private partial void LogAbandonedAtShutdown(int count);
}
