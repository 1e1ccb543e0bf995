using System.Data;
using Backoffice.Data.Dlq;
using Backoffice.Data.Pairing;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Dlq;
using Backoffice.SyncConsumer.Normalisation;
using Npgsql;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>The database refused a message's row; the message is stored as a <c>WRITE_REJECTED</c> DLQ row instead.</summary>
/// <param name="Minimal">Leave out the headers too (the first DLQ attempt was itself rejected).</param>
public sealed record WriteRejection(string Message, bool Minimal = false);

/// <summary>What one committed transaction did beyond the per-message results.</summary>
public sealed record BatchCommit(DateTimeOffset CommittedAt, IReadOnlyList<PairChange> PairChanges);

/// <summary>
/// Writes a batch in one transaction (§3–§6): ledger upsert, pairing of every related_id the
/// ledger write touched, payment order upsert, DLQ rows. Results are set on the items only after
/// the commit, so a failed attempt leaves nothing behind and can simply be retried.
/// </summary>
public sealed class SyncBatchWriter(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    public async Task<BatchCommit> WriteAsync(IReadOnlyList<BatchItem> items, WriteRejection? rejection, CancellationToken cancellationToken)
    {
        var results = new Dictionary<BatchItem, MessageResult>(ReferenceEqualityComparer.Instance);
        var dlqCodes = new Dictionary<BatchItem, string>(ReferenceEqualityComparer.Instance);
        var ledger = new List<(BatchItem Item, LedgerEvent Event)>();
        var orders = new List<(BatchItem Item, PaymentOrderEvent Event)>();
        var dlq = new List<DlqUpsertRow>();

        foreach (var item in items)
        {
            if (rejection is not null)
            {
                dlq.Add(DlqRecords.Create(item.Message, DlqErrorCodes.WriteRejected, DlqErrorStages.Write, rejection.Message, includeHeaders: !rejection.Minimal));
                results[item] = MessageResult.Dlq;
                dlqCodes[item] = DlqErrorCodes.WriteRejected;
                continue;
            }

            switch (item.Normalised)
            {
                case NormalisationResult.Ledger valid:
                    ledger.Add((item, valid.Event));
                    break;
                case NormalisationResult.PaymentOrder valid:
                    orders.Add((item, valid.Event));
                    break;
                case NormalisationResult.Skipped:
                    results[item] = MessageResult.Skipped;
                    break;
                case NormalisationResult.Rejected rejected:
                    dlq.Add(DlqRecords.Create(item.Message, rejected.ErrorCode, rejected.ErrorStage, rejected.Message));
                    results[item] = MessageResult.Dlq;
                    dlqCodes[item] = rejected.ErrorCode;
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected normalisation result {item.Normalised.GetType().Name}.");
            }
        }

        var ledgerGroups = InBatchReduction.Reduce(ledger, e => e.Event.TxId, e => e.Event.UpdatedAt, e => e.Event.SourceVersion);
        var orderGroups = InBatchReduction.Reduce(orders, e => e.Event.OrderId, e => e.Event.UpdatedAt, e => e.Event.SourceVersion);
        foreach (var (loser, result) in ledgerGroups.SelectMany(g => g.Losers))
        {
            results[loser.Item] = result;
        }

        foreach (var (loser, result) in orderGroups.SelectMany(g => g.Losers))
        {
            results[loser.Item] = result;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // Two round trips at most before the commit: the ledger upsert; then the pair locks and the
        // recomputation of the keys it touched with the payment order and DLQ upserts (in this lock
        // order: ledger rows, pair keys, order rows, the same in every transaction).
        var ledgerWinners = ledgerGroups.Select(g => g.Winner).ToList();
        var first = new SyncRoundTrip();
        var ledgerOutcomes = LedgerUpsert.Add(first, ledgerWinners.Select(w => ToRow(w.Item, w.Event)).ToList());
        var touched = new SortedSet<string>(StringComparer.Ordinal);
        if (!first.IsEmpty)
        {
            await first.ExecuteAsync(connection, transaction, cancellationToken);
            for (var i = 0; i < ledgerWinners.Count; i++)
            {
                var outcome = ledgerOutcomes.Value[i];
                results[ledgerWinners[i].Item] = ToResult(outcome.Outcome);
                // A write that changed none of the pair's inputs (a third of the simulator's ledger
                // writes: a status moving from PENDING to POSTED) leaves every pair row as it was,
                // so its key is neither locked nor recomputed (docs/benchmarks.md, 2026-12-07).
                if (outcome.PairInputsChanged)
                {
                    // A leg whose related_id changed leaves its old pair: both keys are recomputed.
                    AddIfPresent(touched, ledgerWinners[i].Event.RelatedId);
                    AddIfPresent(touched, outcome.PreviousRelatedId);
                }
            }
        }

        var last = new SyncRoundTrip();
        var pairChanges = PairUpsert.AddRecompute(last, touched);
        var orderWinners = orderGroups.Select(g => g.Winner).ToList();
        var orderOutcomes = PaymentOrderUpsert.Add(last, orderWinners.Select(w => ToRow(w.Item, w.Event)).ToList());
        DlqUpsert.Add(last, dlq);
        await last.ExecuteAsync(connection, transaction, cancellationToken);
        for (var i = 0; i < orderWinners.Count; i++)
        {
            results[orderWinners[i].Item] = ToResult(orderOutcomes.Value[i]);
        }

        await transaction.CommitAsync(cancellationToken);
        var committedAt = timeProvider.GetUtcNow();

        foreach (var (item, result) in results)
        {
            item.Result = result;
            item.DlqErrorCode = dlqCodes.GetValueOrDefault(item);
        }

        return new BatchCommit(committedAt, pairChanges.Value);
    }

    private static void AddIfPresent(SortedSet<string> set, string? value)
    {
        if (value is not null)
        {
            set.Add(value);
        }
    }

    private static MessageResult ToResult(UpsertOutcome outcome) => outcome switch
    {
        UpsertOutcome.Inserted or UpsertOutcome.Updated => MessageResult.Upserted,
        UpsertOutcome.Stale => MessageResult.Stale,
        UpsertOutcome.Duplicate => MessageResult.Duplicate,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    private static LedgerUpsertRow ToRow(BatchItem item, LedgerEvent e) => new(
        e.TxId,
        e.WalletId,
        e.EntryType,
        e.Amount,
        e.Currency,
        e.RelatedId,
        e.RelatedType ?? (e.RelatedId is null ? null : RelatedTypes.PaymentOrder),
        e.Status,
        e.OccurredAt,
        e.UpdatedAt,
        e.SourceVersion,
        e.EventId,
        new SourcePosition(item.Message.Topic, item.Message.Partition, item.Message.Offset),
        e.RawPayload);

    private static PaymentOrderUpsertRow ToRow(BatchItem item, PaymentOrderEvent e) => new(
        e.OrderId,
        e.Status,
        e.Amount,
        e.Currency,
        e.PayerWalletId,
        e.PayeeWalletId,
        e.CreatedAt,
        e.UpdatedAt,
        e.SourceVersion,
        e.EventId,
        new SourcePosition(item.Message.Topic, item.Message.Partition, item.Message.Offset),
        e.RawPayload);
}
