using System.Runtime.ExceptionServices;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.SyncConsumer.Telemetry;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// The consume loop (§5), one per instance, in overlapping stages: a dedicated thread owns the
/// Kafka client (polls, normalises, collects the next batches, commits offsets, serves rebalances)
/// while up to <c>WriteLanes</c> writer tasks store earlier batches, each in one transaction. Every
/// partition belongs to one lane, and a lane writes one batch at a time, in poll order, so a
/// partition's messages are stored in order and its offsets are committed only after the
/// transaction holding them commits: offsets never run ahead of the database and advance in order
/// per partition, whatever the other lanes do. While a lane's writer is slow or waits to retry a
/// failed write, that lane's next batch stops growing at <c>MaxBatchSize</c>, its partitions are
/// paused and polling goes on, so the instance stays in the group however long the database is away.
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
    /// <summary>Poll wait when idle, and how long a full lane waits for a writer before its partitions are paused.</summary>
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Poll wait while a writer is busy: librdkafka's poll cannot be woken, so a short wait is how
    /// the loop notices a finished write promptly and hands over the next batch.
    /// </summary>
    private static readonly TimeSpan WriterCheckSlice = TimeSpan.FromMilliseconds(2);

    /// <summary>How long batches may still take to finish after SIGTERM; the host allows 10 s in all (§5).</summary>
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
    private readonly WriteLane[] _lanes = Enumerable.Range(0, options.Value.WriteLanes).Select(i => new WriteLane(i)).ToArray();

    /// <summary>Offsets whose messages are stored but whose commit Kafka refused; sent again with the next commit.</summary>
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];

    private bool _assignmentChanged;
    private long _lastLagRefresh;
    /// <summary>The last refused commit or rebalance callback: the quiet retry waits for a settled group.</summary>
    private long _groupLastUnsettled;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A thread of its own: the Kafka client's calls block, and its rebalance callbacks may wait
        // for the writers, which run on the thread pool.
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = BuildConsumer();
        using var hardStop = new CancellationTokenSource();
        using var onStopping = stoppingToken.Register(() => hardStop.CancelAfter(ShutdownGrace));
        consumer.Subscribe(profile.Topics.Values);
        LogStarted(profile.Name, profile.Topics.Values, _options.GroupId, _lanes.Length);
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
            if (_lanes.Any(l => l.Writing is not null))
            {
                // Only on an unexpected failure of the loop: stop the writers before the client goes.
                hardStop.Cancel();
                foreach (var lane in _lanes)
                {
                    lane.Writing?.Finished.Wait(ShutdownGrace, CancellationToken.None);
                    lane.Writing = null;
                }
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

    private WriteLane LaneOf(TopicPartition partition) => _lanes[WriteLane.Of(partition, _lanes.Length)];

    /// <summary>
    /// One turn of the loop: hand finished writes' offsets to Kafka, give each free writer its lane's
    /// next batch when it is ready, otherwise poll (or wait for the writers when the lanes hold
    /// enough, see <see cref="Backpressure"/>).
    /// </summary>
    private void Step(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        var writing = false;
        foreach (var lane in _lanes)
        {
            if (lane.Writing is { } batch && batch.Finished.IsSet)
            {
                Complete(consumer, lane, batch);
            }

            if (lane.Writing is null && BatchReady(lane))
            {
                Start(lane, TakeBatch(lane), stoppingToken, hardStop);
            }

            writing |= lane.Writing is not null;
        }

        if (!writing && _uncommitted.Count > 0 && _lanes.All(l => l.Polled.Count == 0)
            && timeProvider.GetElapsedTime(_groupLastUnsettled) >= CommitRetryInterval)
        {
            // A quiet stream brings no next commit: without this, offsets refused during a rebalance
            // would leave the group behind the database until the next message (found by the
            // rebalance chaos run, docs/reliability.md). Only once the group has settled: a commit
            // answered ILLEGAL_GENERATION mid-rebalance makes librdkafka declare the assignment
            // lost, and the partitions are then read again by their next owner.
            CommitUncommitted(consumer);
        }

        if (_assignmentChanged)
        {
            // Partitions assigned since a lane was paused start unpaused: pause them too.
            _assignmentChanged = false;
            foreach (var lane in _lanes.Where(l => l.Paused))
            {
                consumer.Pause(PartitionsOf(consumer, lane));
            }
        }

        if (writing && Backpressure(consumer))
        {
            return;
        }

        // A batch is the first message plus what arrives within MaxBatchDelay, and keeps growing
        // while its lane's writer is still busy with the previous one (it is cut at MaxBatchSize).
        var timeout = writing ? WriterCheckSlice : PollSlice;
        // Plain loops here and in Backpressure: this runs once per polled message.
        foreach (var lane in _lanes)
        {
            if (lane.Polled.Count > 0 && lane.Writing is null)
            {
                timeout = Min(timeout, Max(TimeSpan.Zero, _options.MaxBatchDelay - timeProvider.GetElapsedTime(lane.WindowStartedAt)));
            }
        }

        if (Consume(consumer, timeout) is { } record)
        {
            Add(record);
        }
    }

    /// <summary>
    /// Polling stops once the lanes that are not paused hold <c>WriteLanes × MaxBatchSize</c>
    /// messages. Not at one lane's <c>MaxBatchSize</c>: librdkafka hands over a partition's fetched
    /// messages in long runs, so a busy lane's next batch fills up while the next messages for an
    /// idle lane are still behind it (stopping there kept the lanes taking turns instead of
    /// overlapping). Then it waits for a writer (a normal write takes milliseconds); when none
    /// finishes within <see cref="PollSlice"/> (the database is slow, locked or away), the full
    /// lanes' partitions are paused, so the other lanes go on and polling continues: rebalances
    /// are served and the group keeps this member (max.poll.interval.ms). What was fetched before
    /// a pause took effect is kept, in order. True when this turn is done.
    /// </summary>
    private bool Backpressure(IConsumer<byte[]?, byte[]?> consumer)
    {
        var buffered = 0;
        foreach (var lane in _lanes)
        {
            buffered += lane.Paused ? 0 : lane.Polled.Count;
        }

        if (buffered >= _lanes.Length * _options.MaxBatchSize)
        {
            if (WaitForAnyWriter(PollSlice))
            {
                return true;
            }

            foreach (var lane in _lanes.Where(l => !l.Paused && l.Writing is not null && l.Polled.Count >= _options.MaxBatchSize))
            {
                consumer.Pause(PartitionsOf(consumer, lane));
                lane.Paused = true;
            }
        }

        if (!_lanes.Any(l => l.Paused) || !consumer.Assignment.All(p => LaneOf(p).Paused))
        {
            return false;
        }

        // Every assigned partition is paused, so little can arrive: wait for a writer rather than spin.
        if (WaitForAnyWriter(PollSlice))
        {
            return true;
        }

        if (Consume(consumer, TimeSpan.Zero) is { } record)
        {
            Add(record);
        }

        return true;
    }

    private bool WaitForAnyWriter(TimeSpan timeout)
    {
        var handles = _lanes.Where(l => l.Writing is not null).Select(l => l.Writing!.Finished.WaitHandle).ToArray();
        return handles.Length == 0 || WaitHandle.WaitAny(handles, timeout) != WaitHandle.WaitTimeout;
    }

    private List<TopicPartition> PartitionsOf(IConsumer<byte[]?, byte[]?> consumer, WriteLane lane) =>
        consumer.Assignment.Where(p => LaneOf(p) == lane).ToList();

    private bool BatchReady(WriteLane lane) =>
        lane.Polled.Count > 0 && (lane.Polled.Count >= _options.MaxBatchSize || timeProvider.GetElapsedTime(lane.WindowStartedAt) >= _options.MaxBatchDelay);

    private List<BatchItem> TakeBatch(WriteLane lane)
    {
        var count = Math.Min(lane.Polled.Count, _options.MaxBatchSize);
        var batch = lane.Polled.GetRange(0, count);
        lane.Polled.RemoveRange(0, count);
        // What is left was polled during the previous write: its window counts from now.
        lane.WindowStartedAt = timeProvider.GetTimestamp();
        return batch;
    }

    private void Add(ConsumeResult<byte[]?, byte[]?> record)
    {
        var lane = LaneOf(record.TopicPartition);
        if (lane.Polled.Count == 0)
        {
            lane.WindowStartedAt = timeProvider.GetTimestamp();
        }

        lane.Polled.Add(ToItem(record));
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

    private void Start(WriteLane lane, List<BatchItem> items, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        var batch = new InFlightBatch(items, timeProvider.GetTimestamp());
        lane.Writing = batch;
        batch.Completion = Task.Run(() => WriteAsync(batch, stoppingToken, hardStop), CancellationToken.None);
    }

    /// <summary>A writer task: stores the batch, retrying failed writes, until nothing of it is left to store.</summary>
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

    /// <summary>Poll thread: a lane's writer has finished; commit the offsets of what it stored.</summary>
    private void Complete(IConsumer<byte[]?, byte[]?> consumer, WriteLane lane, InFlightBatch batch)
    {
        lane.Writing = null;
        batch.Finished.Dispose();
        if (lane.Paused)
        {
            consumer.Resume(PartitionsOf(consumer, lane));
            lane.Paused = false;
        }

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
    /// Shutdown (SIGTERM): polling has stopped; the batches being written finish (up to
    /// <see cref="ShutdownGrace"/>), then the messages already polled are written too, unless the
    /// database is away (they are left uncommitted for redelivery).
    /// </summary>
    private void FinishAtShutdown(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stoppingToken, CancellationToken hardStop)
    {
        while (true)
        {
            foreach (var lane in _lanes)
            {
                if (lane.Writing is { } batch && batch.Finished.IsSet)
                {
                    // A later batch of this lane must not commit offsets past the messages left behind.
                    lane.Stopped |= batch.AbandonedAtShutdown;
                    Complete(consumer, lane, batch);
                }

                if (lane.Writing is null && !lane.Stopped && lane.Polled.Count > 0 && !hardStop.IsCancellationRequested)
                {
                    Start(lane, TakeBatch(lane), stoppingToken, hardStop);
                }
            }

            if (_lanes.All(l => l.Writing is null))
            {
                break;
            }

            WaitForAnyWriter(Timeout.InfiniteTimeSpan);
        }

        foreach (var lane in _lanes)
        {
            foreach (var item in lane.Polled)
            {
                InFlightBatch.EndAbandoned(item);
            }

            lane.Polled.Clear();
        }
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
        var stored = new List<BatchItem>();
        foreach (var batch in _lanes.Select(l => l.Writing).OfType<InFlightBatch>())
        {
            // The revoked partitions' part of each batch being written is either stored by the write
            // running now (waited for) or abandoned if that write waits to retry; then the offsets of
            // what committed are committed, and the new owner reads the rest again. Every lane is
            // asked, not only the revoked partitions' own: it costs nothing when a lane holds none of them.
            if (batch.Revoke(revoked))
            {
                LogRevokedDuringWrite(revoked);
                batch.WaitForAttempt(revoked);
            }

            stored.AddRange(batch.Items.Where(i => revoked.Contains(InFlightBatch.PartitionOf(i))));
        }

        if (stored.Count > 0)
        {
            CommitOffsets(consumer, stored);
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
        foreach (var lane in _lanes)
        {
            lane.Writing?.Revoke(lost);
        }

        Forget(lost);
        LogLost(lost);
    }

    /// <summary>Drops every uncommitted trace of partitions this instance no longer owns: their polled messages are read again by the new owner.</summary>
    private void Forget(HashSet<TopicPartition> partitions)
    {
        foreach (var lane in _lanes)
        {
            foreach (var item in lane.Polled.Where(i => partitions.Contains(InFlightBatch.PartitionOf(i))))
            {
                InFlightBatch.EndAbandoned(item);
            }

            lane.Polled.RemoveAll(i => partitions.Contains(InFlightBatch.PartitionOf(i)));
        }

        foreach (var partition in partitions)
        {
            // The new owner starts from what Kafka has; an offset it refused is not ours to send any more.
            _uncommitted.Remove(partition);
            _assigned.Remove(partition);
            lag.Removed(partition.Topic, partition.Partition.Value);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming profile {Profile} topics {Topics} as group {GroupId} with {WriteLanes} write lane(s)")]
    private partial void LogStarted(string profile, IEnumerable<string> topics, string groupId, int writeLanes);

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
