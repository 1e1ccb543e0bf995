using System.Diagnostics;
using Backoffice.Data.Dlq;
using Backoffice.SyncConsumer.Dlq;
using Backoffice.SyncConsumer.Health;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.SyncConsumer.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>
/// Waits before the next attempt of a failed write. The worker keeps polling Kafka (partitions
/// paused) meanwhile so the group keeps it as a member, and throws <see cref="BatchAbandonedException"/>
/// when the batch must be given up (partitions revoked, shutdown).
/// </summary>
public delegate Task RetryWait(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>The in-flight batch was given up; nothing of it that is not committed is acknowledged.</summary>
public sealed class BatchAbandonedException : Exception
{
    public BatchAbandonedException()
        : base("The in-flight batch was abandoned.")
    {
    }

    public BatchAbandonedException(string message)
        : base(message)
    {
    }

    public BatchAbandonedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Gets a batch into the database (§5): retries failed writes with capped exponential backoff
/// and jitter (never to the DLQ), and when the database refuses a row, bisects the batch until
/// the refused message is alone and stores it as <c>WRITE_REJECTED</c> while the rest commits.
/// Records metrics and ends spans per committed transaction.
/// </summary>
public sealed partial class BatchProcessor(
    SyncBatchWriter writer,
    NpgsqlDataSource dataSource,
    ConsumerMetrics metrics,
    WriteHealth writeHealth,
    IOptions<ConsumerOptions> options,
    ILogger<BatchProcessor> logger)
{
    private readonly ConsumerOptions _options = options.Value;

    /// <summary>Writes every item of <paramref name="items"/> whose <see cref="BatchItem.Result"/> is not set yet.</summary>
    public Task WriteAsync(IReadOnlyList<BatchItem> items, RetryWait wait, CancellationToken cancellationToken) =>
        WriteIsolatingRejectionsAsync(items.Where(i => i.Result is null).ToList(), wait, cancellationToken);

    private async Task WriteIsolatingRejectionsAsync(List<BatchItem> items, RetryWait wait, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        try
        {
            await WriteWithRetryAsync(items, null, wait, cancellationToken);
        }
        catch (PostgresException refused) when (DatabaseFailures.IsRejection(refused))
        {
            if (items.Count > 1)
            {
                LogBisecting(items.Count, refused.SqlState, refused.MessageText);
                var half = items.Count / 2;
                await WriteIsolatingRejectionsAsync(items.Take(half).ToList(), wait, cancellationToken);
                await WriteIsolatingRejectionsAsync(items.Skip(half).ToList(), wait, cancellationToken);
                return;
            }

            var message = items[0].Message;
            LogWriteRejected(message.Topic, message.Partition, message.Offset, refused.SqlState, refused.MessageText);
            var rejection = new WriteRejection(Describe(refused));
            try
            {
                await WriteWithRetryAsync(items, rejection, wait, cancellationToken);
            }
            catch (PostgresException again) when (DatabaseFailures.IsRejection(again))
            {
                // Even the DLQ row was refused (e.g. by its headers): keep the bare minimum.
                await WriteWithRetryAsync(items, rejection with { Minimal = true }, wait, cancellationToken);
            }
        }
    }

    private async Task WriteWithRetryAsync(List<BatchItem> items, WriteRejection? rejection, RetryWait wait, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var commit = await writer.WriteAsync(items, rejection, cancellationToken);
                writeHealth.Succeeded();
                Record(items, commit);
                return;
            }
            catch (Exception failure) when (
                !cancellationToken.IsCancellationRequested
                && (DatabaseFailures.IsRetryable(failure) || (rejection is { Minimal: true } && DatabaseFailures.IsRejection(failure))))
            {
                writeHealth.Failed(failure);
                if (DatabaseFailures.IsConnectionLoss(failure))
                {
                    // After a server restart every pooled connection is dead; do not try them one by one.
                    dataSource.Clear();
                }

                var delay = Backoff(attempt);
                if (DatabaseFailures.IsTransient(failure))
                {
                    LogTransientFailure(failure, items.Count, attempt, delay);
                }
                else
                {
                    LogPersistentFailure(failure, items.Count, attempt, delay);
                }

                await wait(delay, cancellationToken);
            }
        }
    }

    /// <summary>Capped exponential backoff with full jitter in the upper half, so instances do not retry in lockstep.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.RetryInitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, _options.RetryMaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    private void Record(List<BatchItem> items, BatchCommit commit)
    {
        foreach (var item in items)
        {
            var stream = StreamLabels.Of(item.Message.Stream);
            var result = item.Result ?? throw new InvalidOperationException("A committed item has no result.");
            metrics.Message(stream, BatchItem.Label(result));
            metrics.Freshness(stream, commit.CommittedAt - item.Message.Timestamp);

            switch (item.Normalised)
            {
                case NormalisationResult.Ledger { Event: var e, AliasHits: var aliases }:
                    RecordEvent(stream, aliases, e.UpdatedAt is null && e.SourceVersion is null, result, e.UpdatedAt ?? e.OccurredAt, commit.CommittedAt);
                    break;
                case NormalisationResult.PaymentOrder { Event: var e, AliasHits: var aliases }:
                    RecordEvent(stream, aliases, e.UpdatedAt is null && e.SourceVersion is null, result, e.UpdatedAt ?? e.CreatedAt, commit.CommittedAt);
                    break;
                case NormalisationResult.Rejected rejected when item.DlqErrorCode != DlqErrorCodes.WriteRejected:
                    metrics.ContractViolation(stream, rejected.ErrorCode);
                    break;
            }

            if (result == MessageResult.Dlq && item.DlqErrorCode is { } code)
            {
                metrics.Dlq(stream, code);
            }

            EndSpan(item, result);
        }

        foreach (var change in commit.PairChanges)
        {
            if (change.StatusChanged)
            {
                metrics.PairingStatusChange(change.From, change.To);
            }

            if (change.CompletedAfter is { } completedAfter)
            {
                metrics.PairingCompleted(completedAfter);
            }
        }
    }

    private void RecordEvent(string stream, IReadOnlyList<AliasHit> aliases, bool versionMissing, MessageResult result, DateTimeOffset? eventTime, DateTimeOffset committedAt)
    {
        foreach (var alias in aliases)
        {
            metrics.Alias(stream, alias.Field, alias.Alias);
        }

        if (versionMissing)
        {
            metrics.VersionMissing(stream);
        }

        if (result == MessageResult.Upserted && eventTime is { } time)
        {
            metrics.EventLag(stream, committedAt - time);
        }
    }

    private static void EndSpan(BatchItem item, MessageResult result)
    {
        if (item.Span is not { } span)
        {
            return;
        }

        span.SetTag("bo.result", BatchItem.Label(result));
        if (result == MessageResult.Dlq)
        {
            span.SetTag("bo.error_code", item.DlqErrorCode);
            span.SetStatus(ActivityStatusCode.Error, item.DlqErrorCode);
        }

        span.Stop();
    }

    private static string Describe(PostgresException refused)
    {
        var where = refused.ColumnName ?? refused.ConstraintName;
        return $"The database refused this message's row ({refused.SqlState}{(where is null ? "" : $" on {where}")}): {refused.MessageText}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database write of {Count} message(s) failed (attempt {Attempt}); retrying in {Delay}")]
    private partial void LogTransientFailure(Exception exception, int count, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database write of {Count} message(s) failed with a non-transient error (attempt {Attempt}); retrying in {Delay} without advancing")]
    private partial void LogPersistentFailure(Exception exception, int count, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused a row in a batch of {Count} ({SqlState}: {Reason}); splitting the batch")]
    private partial void LogBisecting(int count, string sqlState, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused {Topic}[{Partition}]@{Offset} ({SqlState}: {Reason}); storing it in the DLQ as WRITE_REJECTED")]
    private partial void LogWriteRejected(string topic, int partition, long offset, string sqlState, string reason);
}
