using Confluent.Kafka;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// The batch the writer task is storing, shared with the poll thread (whose rebalance callbacks
/// revoke partitions under it). The writer stores it in attempts: each attempt takes the items that
/// are neither stored nor revoked. A revocation abandons an attempt that holds items of the revoked
/// partitions when it is waiting to retry, and otherwise waits for it to end, so that when the
/// callback returns no write of those partitions is running or will start.
/// </summary>
internal sealed class InFlightBatch(IReadOnlyList<BatchItem> items, long startedAt)
{
    // A monitor, not System.Threading.Lock: a revocation waits on it (Monitor.Wait) for the writer.
    private readonly object _gate = new();
    private readonly HashSet<TopicPartition> _revoked = [];
    private List<BatchItem>? _attempt;
    private TaskCompletionSource _abandon = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _retrying;
    private volatile bool _abandonedAtShutdown;

    public IReadOnlyList<BatchItem> Items { get; } = items;

    /// <summary>When the write started (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long StartedAt { get; } = startedAt;

    /// <summary>The writer task; completed (possibly faulted) once <see cref="Finished"/> is set.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Set when the writer task has ended, so the poll thread can wait for it with a timeout.</summary>
    public ManualResetEventSlim Finished { get; } = new(false);

    /// <summary>How long the writer task ran.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>True while the writer waits to retry a failed write: the database is unavailable.</summary>
    public bool Retrying => _retrying;

    /// <summary>The writer gave up at shutdown; items without a result are left for redelivery.</summary>
    public bool AbandonedAtShutdown
    {
        get => _abandonedAtShutdown;
        set => _abandonedAtShutdown = value;
    }

    public bool IsRevoked(BatchItem item)
    {
        lock (_gate)
        {
            return _revoked.Contains(PartitionOf(item));
        }
    }

    /// <summary>Writer side: the items of the next attempt, or null when nothing is left to store.</summary>
    public List<BatchItem>? BeginAttempt()
    {
        lock (_gate)
        {
            if (_abandon.Task.IsCompleted)
            {
                _abandon = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var pending = Items.Where(i => i.Result is null && !_revoked.Contains(PartitionOf(i))).ToList();
            _attempt = pending.Count == 0 ? null : pending;
            return _attempt;
        }
    }

    /// <summary>Writer side: the attempt ended (stored, abandoned or failed); wakes a revocation waiting for it.</summary>
    public void EndAttempt()
    {
        lock (_gate)
        {
            _attempt = null;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Writer side: the wait before the next try of a failed write. Throws
    /// <see cref="BatchAbandonedException"/> when a revocation abandons the attempt or shutdown began.
    /// </summary>
    public async Task WaitBeforeRetryAsync(TimeSpan delay, CancellationToken stoppingToken, CancellationToken cancellationToken)
    {
        Task abandoned;
        lock (_gate)
        {
            abandoned = _abandon.Task;
        }

        if (abandoned.IsCompleted || stoppingToken.IsCancellationRequested)
        {
            throw new BatchAbandonedException();
        }

        _retrying = true;
        try
        {
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, cancellationToken);
            await Task.WhenAny(Task.Delay(delay, wake.Token), abandoned);
            // Releases the delay's timer when the abandonment ended the wait.
            await wake.CancelAsync();
        }
        finally
        {
            _retrying = false;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (abandoned.IsCompleted || stoppingToken.IsCancellationRequested)
        {
            throw new BatchAbandonedException();
        }
    }

    /// <summary>
    /// Poll-thread side: marks <paramref name="partitions"/> revoked, so no later attempt includes
    /// them, and abandons the current attempt if it holds their unstored messages and waits to
    /// retry. True when an attempt still holds such messages (see <see cref="WaitForAttempt"/>).
    /// </summary>
    public bool Revoke(IReadOnlySet<TopicPartition> partitions)
    {
        lock (_gate)
        {
            _revoked.UnionWith(partitions);
            if (!Involves(partitions))
            {
                return false;
            }

            _abandon.TrySetResult();
            return true;
        }
    }

    /// <summary>
    /// Poll-thread side: waits until no attempt holds unstored messages of <paramref name="partitions"/>
    /// (the running write committed or failed, or its retry was abandoned); nothing of them is
    /// written after this returns.
    /// </summary>
    public void WaitForAttempt(IReadOnlySet<TopicPartition> partitions)
    {
        lock (_gate)
        {
            while (Involves(partitions))
            {
                // Releases the gate while waiting: the writer ends its attempt under it.
                Monitor.Wait(_gate);
            }
        }
    }

    private bool Involves(IReadOnlySet<TopicPartition> partitions) =>
        _attempt?.Any(i => i.Result is null && partitions.Contains(PartitionOf(i))) == true;

    public static TopicPartition PartitionOf(BatchItem item) => new(item.Message.Topic, item.Message.Partition);

    /// <summary>Ends the span of a message that is not stored by this instance: it is delivered again (here or to the partition's new owner).</summary>
    public static void EndAbandoned(BatchItem item)
    {
        item.Span?.SetTag("bo.result", "abandoned");
        item.Span?.Stop();
    }
}
