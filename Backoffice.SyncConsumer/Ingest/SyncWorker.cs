using System.Runtime.ExceptionServices;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.SyncConsumer.Telemetry;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// The consume loop (§5), one per instance, in two overlapping stages: a dedicated thread owns the
/// Kafka client (polls, normalises, collects the next batch, commits offsets, serves rebalances)
/// while a writer task stores the previous batch in one transaction. One batch is written at a time,
/// in poll order, and its offsets are committed only after its transaction commits, so offsets
/// never run ahead of the database and advance in order per partition. While the writer waits to
/// retry a failed write, the next batch stops growing at <c>MaxBatchSize</c>, the assigned
/// partitions are paused and polling goes on, so the instance stays in the group however long the
/// database is away.
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
    /// <summary>Poll wait when idle, and the slice of a wait for a retrying writer between two polls.</summary>
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Poll wait while the writer is busy: librdkafka's poll cannot be woken, so a short wait is how
    /// the loop notices a finished write promptly and hands over the next batch.
    /// </summary>
    private static readonly TimeSpan WriterCheckSlice = TimeSpan.FromMilliseconds(2);

    /// <summary>How long a batch may still take to finish after SIGTERM; the host allows 10 s in all (§5).</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(7);

    private static readonly TimeSpan LagRefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the group must have been quiet (no refused commit, no rebalance callback) before
    /// refused offset commits are sent again without a new batch.
    /// </summary>
    private static readonly TimeSpan CommitRetryInterval = TimeSpan.FromSeconds(5);

    private const int DefaultPrefetchKbytes = 16 * 1024;

    private readonly ConsumerOptions _options = options.Value;
    private readonly HashSet<TopicPartition> _assigned = [];

    /// <summary>Polled and normalised messages not yet handed to the writer, in poll order.</summary>
    private readonly List<BatchItem> _polled = [];

    /// <summary>When the oldest message of <see cref="_polled"/> was polled (its batch window started).</summary>
    private long _windowStartedAt;

    /// <summary>Offsets whose messages are stored but whose commit Kafka refused; sent again with the next commit.</summary>
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];

    private InFlightBatch? _writing;
    private bool _paused;
    private bool _assignmentChanged;
    private long _lastLagRefresh;
    /// <summary>The last refused commit or rebalance callback: the quiet retry waits for a settled group.</summary>
    private long _groupLastUnsettled;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A thread of its own: the Kafka client's calls block, and its rebalance callbacks may wait
        // for the writer, which runs on the thread pool.
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = BuildConsumer();
        using var hardStop = new CancellationTokenSource();
        using var onStopping = stoppingToken.Register(() => hardStop.CancelAfter(ShutdownGrace));
        consumer.Subscribe(profile.Topics.Values);
        LogStarted(profile.Name, profile.Topics.Values, _options.GroupId);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Step(consumer, stoppingToken, hardStop.Token);
                RefreshLag(consumer);
            }

            FinishAtShutdown(consumer, stoppingToken, hardStop.Token);
        }
        finally
        {
            if (_writing is { } writing)
            {
                // Only on an unexpected failure of the loop: stop the writer before the client goes.
                hardStop.Cancel();
                writing.Finished.Wait(ShutdownGrace, CancellationToken.None);
                _writing = null;
            }

            // Leaves the group now, so the partitions move to another instance without waiting for the session timeout.
            consumer.Close();
            LogStopped();
        }
    }

    private IConsumer<byte[]?, byte[]?> BuildConsumer()
    {
        var prefetchConfigured = _options.Kafka.ContainsKey("queued.max.messages.kbytes");
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
        if (!prefetchConfigured)
        {
            // librdkafka pre-fetches up to 64 MiB by default: most of the process's memory during a
            // replay, and far more than the next batch needs. 16 MiB is still seconds of messages at
            // full ingest speed (bench/run-ingest: peak RSS 359 -> 280-286 MiB; 25-26k against 28k
            // events/s, runs at different machine loads).
            config.QueuedMaxMessagesKbytes = DefaultPrefetchKbytes;
        }

        return kafka.CreateConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .Build();
    }

    /// <summary>
    /// One turn of the loop: hand a finished write's offsets to Kafka, give the writer the next batch
    /// when it is free and the batch is ready, otherwise poll (or wait for the writer when the next
    /// batch is full).
    /// </summary>
    private void Step(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        if (_writing is { } writing && writing.Finished.IsSet)
        {
            Complete(consumer, writing);
        }

        if (_writing is null && BatchReady())
        {
            Start(TakeBatch(), stoppingToken, hardStop);
            return;
        }

        if (_writing is null && _polled.Count == 0 && _uncommitted.Count > 0
            && timeProvider.GetElapsedTime(_groupLastUnsettled) >= CommitRetryInterval)
        {
            // A quiet stream brings no next commit: without this, offsets refused during a rebalance
            // would leave the group behind the database until the next message (found by the
            // rebalance chaos run, docs/reliability.md). Only once the group has settled: a commit
            // answered ILLEGAL_GENERATION mid-rebalance makes librdkafka declare the assignment
            // lost, and the partitions are then read again by their next owner.
            CommitUncommitted(consumer);
        }

        if (_writing is not null && _polled.Count >= _options.MaxBatchSize)
        {
            WaitForWriter(consumer, _writing);
            return;
        }

        // A batch is the first message plus what arrives within MaxBatchDelay, and keeps growing
        // (up to MaxBatchSize) while the writer is still busy with the previous one.
        var timeout = _writing is not null ? WriterCheckSlice
            : _polled.Count == 0 ? PollSlice
            : Max(TimeSpan.Zero, _options.MaxBatchDelay - timeProvider.GetElapsedTime(_windowStartedAt));
        if (Consume(consumer, timeout) is { } record)
        {
            Add(record);
        }
    }

    private bool BatchReady() =>
        _polled.Count > 0 && (_polled.Count >= _options.MaxBatchSize || timeProvider.GetElapsedTime(_windowStartedAt) >= _options.MaxBatchDelay);

    private List<BatchItem> TakeBatch()
    {
        var count = Math.Min(_polled.Count, _options.MaxBatchSize);
        var batch = _polled.GetRange(0, count);
        _polled.RemoveRange(0, count);
        // What is left was polled during the previous write: its window counts from now.
        _windowStartedAt = timeProvider.GetTimestamp();
        return batch;
    }

    private void Add(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (_polled.Count == 0)
        {
            _windowStartedAt = timeProvider.GetTimestamp();
        }

        _polled.Add(ToItem(record));
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

    private void Start(List<BatchItem> items, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        var batch = new InFlightBatch(items, timeProvider.GetTimestamp());
        _writing = batch;
        batch.Completion = Task.Run(() => WriteAsync(batch, stoppingToken, hardStop), CancellationToken.None);
    }

    /// <summary>The writer task: stores the batch, retrying failed writes, until nothing of it is left to store.</summary>
    private async Task WriteAsync(InFlightBatch batch, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        try
        {
            while (batch.BeginAttempt() is { } pending)
            {
                try
                {
                    // The database work of the batch nests under one span linked to the message spans.
                    using var write = ConsumerTracing.StartBatch(pending);
                    await processor.WriteAsync(pending, (delay, ct) => batch.WaitBeforeRetryAsync(delay, stoppingToken, ct), hardStop);
                }
                catch (BatchAbandonedException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Some partitions of the batch were revoked during a retry; go on with the others.
                }
                catch (Exception ex) when (ex is BatchAbandonedException or OperationCanceledException && stoppingToken.IsCancellationRequested)
                {
                    batch.AbandonedAtShutdown = true;
                    LogAbandonedAtShutdown(batch.Items.Count(i => i.Result is null));
                    break;
                }
                finally
                {
                    batch.EndAttempt();
                }
            }
        }
        finally
        {
            batch.Duration = timeProvider.GetElapsedTime(batch.StartedAt);
            batch.Finished.Set();
        }
    }

    /// <summary>
    /// The next batch is full and the writer busy: wait for it. When it waits to retry (the database
    /// is away), pause the partitions and keep polling, so rebalances are served and the group keeps
    /// this member (max.poll.interval.ms); what was fetched before the pause took effect is kept, in order.
    /// </summary>
    private void WaitForWriter(IConsumer<byte[]?, byte[]?> consumer, InFlightBatch writing)
    {
        if (writing.Finished.Wait(PollSlice, CancellationToken.None) || !writing.Retrying)
        {
            return;
        }

        if (!_paused || _assignmentChanged)
        {
            consumer.Pause(consumer.Assignment);
            _paused = true;
            _assignmentChanged = false;
        }

        if (Consume(consumer, TimeSpan.Zero) is { } record)
        {
            Add(record);
        }
    }

    /// <summary>Poll thread: the writer has finished; commit the offsets of what it stored.</summary>
    private void Complete(IConsumer<byte[]?, byte[]?> consumer, InFlightBatch batch)
    {
        _writing = null;
        batch.Finished.Dispose();
        Resume(consumer);
        foreach (var item in batch.Items.Where(i => i.Result is null))
        {
            InFlightBatch.EndAbandoned(item);
        }

        if (batch.Completion.Exception is { } failure)
        {
            // A failure that is neither retried nor a rejection (a bug): stop the consumer, as before the pipeline.
            ExceptionDispatchInfo.Capture(failure.GetBaseException()).Throw();
        }

        CommitOffsets(consumer, batch.Items.Where(i => !batch.IsRevoked(i)));
        metrics.Batch(batch.Items.Count, batch.Duration);
    }

    /// <summary>
    /// Shutdown (SIGTERM): polling has stopped; the batch being written finishes (up to
    /// <see cref="ShutdownGrace"/>), then the messages already polled are written too, unless the
    /// database is away (they are left uncommitted for redelivery).
    /// </summary>
    private void FinishAtShutdown(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        while (true)
        {
            if (_writing is { } writing)
            {
                writing.Finished.Wait(CancellationToken.None);
                var abandoned = writing.AbandonedAtShutdown;
                Complete(consumer, writing);
                if (abandoned)
                {
                    // A later batch must not commit offsets past the messages left behind.
                    break;
                }
            }

            if (_polled.Count == 0 || hardStop.IsCancellationRequested)
            {
                break;
            }

            Start(TakeBatch(), stoppingToken, hardStop);
        }

        foreach (var item in _polled)
        {
            InFlightBatch.EndAbandoned(item);
        }

        _polled.Clear();
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
        foreach (var partition in items.GroupBy(InFlightBatch.PartitionOf))
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

            if (next is { } offset && _assigned.Contains(partition.Key)
                && (!_uncommitted.TryGetValue(partition.Key, out var pending) || pending < offset))
            {
                _uncommitted[partition.Key] = offset;
            }
        }

        CommitUncommitted(consumer);
    }

    /// <summary>
    /// Sends the stored-but-uncommitted offsets. A refused commit (typically during a rebalance) is
    /// kept and sent again with the next batch's commit, in the revoke callback (also at shutdown),
    /// or from the poll thread after <see cref="CommitRetryInterval"/> of a quiet, settled group. Never from
    /// a timer thread: commits retried every 500 ms beside the poll loop raced the rebalance callbacks,
    /// drew ILLEGAL_GENERATION answers, and in a test a partition then reached its new owner
    /// uncommitted and was read twice.
    /// </summary>
    private void CommitUncommitted(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_uncommitted.Count == 0)
        {
            return;
        }

        var offsets = _uncommitted.Select(p => new TopicPartitionOffset(p.Key, p.Value)).ToList();
        try
        {
            consumer.Commit(offsets);
            _uncommitted.Clear();
            foreach (var offset in offsets)
            {
                lag.Committed(offset.Topic, offset.Partition.Value, offset.Offset.Value);
            }
        }
        catch (KafkaException ex)
        {
            // The rows are committed; until the offsets are, a restart only means redelivery, which
            // the upserts absorb as duplicates.
            _groupLastUnsettled = timeProvider.GetTimestamp();
            LogOffsetCommitFailed(ex.Error.Code, ex.Error.Reason);
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        _groupLastUnsettled = timeProvider.GetTimestamp();
        foreach (var partition in partitions)
        {
            _assigned.Add(partition);
            lag.Assigned(partition.Topic, partition.Partition.Value);
        }

        _assignmentChanged = true;
        LogAssigned(partitions);
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        _groupLastUnsettled = timeProvider.GetTimestamp();
        var revoked = partitions.Select(p => p.TopicPartition).ToHashSet();
        if (_writing is { } batch)
        {
            // The revoked partitions' part of the batch being written is either stored by the write
            // running now (waited for) or abandoned if that write waits to retry; then the offsets of
            // what committed are committed, and the new owner reads the rest again.
            if (batch.Revoke(revoked))
            {
                LogRevokedDuringWrite(revoked);
                batch.WaitForAttempt(revoked);
            }

            CommitOffsets(consumer, batch.Items.Where(i => revoked.Contains(InFlightBatch.PartitionOf(i))));
        }
        else if (_uncommitted.Keys.Any(revoked.Contains))
        {
            // The last chance to send a refused commit of these partitions: the new owner starts from it.
            CommitUncommitted(consumer);
        }

        Forget(revoked);
        LogRevoked(revoked);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        _groupLastUnsettled = timeProvider.GetTimestamp();
        var lost = partitions.Select(p => p.TopicPartition).ToHashSet();
        // No commit is possible any more, so nothing to wait for: the new owner may already be reading them.
        _writing?.Revoke(lost);
        Forget(lost);
        LogLost(lost);
    }

    /// <summary>Drops every uncommitted trace of partitions this instance no longer owns: their polled messages are read again by the new owner.</summary>
    private void Forget(HashSet<TopicPartition> partitions)
    {
        foreach (var item in _polled.Where(i => partitions.Contains(InFlightBatch.PartitionOf(i))))
        {
            InFlightBatch.EndAbandoned(item);
        }

        _polled.RemoveAll(i => partitions.Contains(InFlightBatch.PartitionOf(i)));
        foreach (var partition in partitions)
        {
            // The new owner starts from what Kafka has; an offset it refused is not ours to send any more.
            _uncommitted.Remove(partition);
            _assigned.Remove(partition);
            lag.Removed(partition.Topic, partition.Partition.Value);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming profile {Profile} topics {Topics} as group {GroupId}")]
    private partial void LogStarted(string profile, IEnumerable<string> topics, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer closed and left the group")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    private partial void LogAssigned(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    private partial void LogRevoked(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked during a batch write: {Partitions}; the write is finished (or its retry abandoned) before they are handed over")]
    private partial void LogRevokedDuringWrite(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions lost: {Partitions}")]
    private partial void LogLost(IEnumerable<TopicPartition> partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code}: {Reason}")]
    private partial void LogConsumeError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read committed offsets for the lag gauge ({Code}: {Reason})")]
    private partial void LogCommittedLookupFailed(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offset commit failed ({Code}: {Reason}); sent again with the next commit, and until it succeeds a restart delivers the messages again (counted as duplicates)")]
    private partial void LogOffsetCommitFailed(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutting down while the database is unavailable: {Count} message(s) left uncommitted for redelivery")]
    private partial void LogAbandonedAtShutdown(int count);
}
