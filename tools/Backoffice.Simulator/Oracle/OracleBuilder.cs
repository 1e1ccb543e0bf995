using Backoffice.Simulator.Traffic;

namespace Backoffice.Simulator.Oracle;

/// <summary>
/// Folds messages, in any order, into the <see cref="ExpectedState"/> they imply. It reads only the
/// canonical facts, error codes and kinds the generator attached, and applies the contract's rules
/// itself; the message kind is used for counting, never to decide a winner (a "duplicate" that is in
/// fact newer would win here too). Memory grows with the number of entities, not messages.
/// </summary>
public sealed class OracleBuilder
{
    private readonly Dictionary<string, ExpectedLedgerEntry> _ledger = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExpectedPaymentOrder> _orders = new(StringComparer.Ordinal);
    private readonly List<ExpectedDlqRow> _dlq = [];
    private readonly List<ExpectedSkip> _skipped = [];
    private readonly long[] _byKind = new long[Enum.GetValues<MessageKind>().Length];
    private readonly StreamTally[] _byStream = [new(), new()];

    /// <summary>Adds one message. Throws when the final state of its entity would depend on arrival order.</summary>
    public void Add(SimulatedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _byKind[(int)message.Kind]++;
        var tally = _byStream[(int)message.Stream];
        tally.Messages++;
        switch (message.Kind)
        {
            case MessageKind.Malformed:
                tally.Dlq++;
                _dlq.Add(new ExpectedDlqRow(message.Sequence, message.Stream.Name(), message.Key,
                    message.ExpectedErrorCode ?? throw new ArgumentException($"Malformed message {message.Sequence} has no expected error code.", nameof(message)),
                    message.Description, null));
                return;
            case MessageKind.Tombstone:
                tally.Skipped++;
                _skipped.Add(new ExpectedSkip(message.Sequence, message.Stream.Name(), message.Key, null));
                return;
        }

        tally.Valid++;
        if (message.Ledger is { } ledger)
        {
            if (!VersionOrder.IsVersioned(ledger.UpdatedAt, ledger.SourceVersion))
            {
                tally.VersionMissing++;
            }

            Apply(_ledger, ledger.TxId, ToRow(ledger), l => (l.UpdatedAt, l.SourceVersion));
        }
        else if (message.PaymentOrder is { } order)
        {
            if (!VersionOrder.IsVersioned(order.UpdatedAt, order.SourceVersion))
            {
                tally.VersionMissing++;
            }

            Apply(_orders, order.OrderId, ToRow(order), o => (o.UpdatedAt, o.SourceVersion));
        }
        else
        {
            throw new ArgumentException($"Valid message {message.Sequence} carries no fact.", nameof(message));
        }
    }

    public void AddRange(IEnumerable<SimulatedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            Add(message);
        }
    }

    /// <summary>The expected state; <paramref name="positionOf"/> (a message sequence → where it was produced) fills the DLQ and skip positions.</summary>
    public ExpectedState Build(Func<long, MessagePosition?>? positionOf = null)
    {
        var ledger = _ledger.Values.OrderBy(e => e.TxId, StringComparer.Ordinal).ToList();
        var orders = _orders.Values.OrderBy(o => o.OrderId, StringComparer.Ordinal).ToList();
        var pairs = ledger
            .Where(e => e.RelatedId is not null)
            .GroupBy(e => e.RelatedId!, StringComparer.Ordinal)
            .Select(g => PairingRule.Evaluate(g.Key, g.ToList()))
            .OrderBy(p => p.RelatedId, StringComparer.Ordinal)
            .ToList();
        var dlq = _dlq.OrderBy(d => d.Sequence).Select(d => d with { Position = positionOf?.Invoke(d.Sequence) }).ToList();
        var skipped = _skipped.OrderBy(s => s.Sequence).Select(s => s with { Position = positionOf?.Invoke(s.Sequence) }).ToList();

        var byStream = new Dictionary<string, ExpectedStreamCounts>(StringComparer.Ordinal);
        foreach (var stream in Enum.GetValues<StreamKind>())
        {
            var t = _byStream[(int)stream];
            byStream[stream.Name()] = new ExpectedStreamCounts(t.Messages, t.Valid, t.Dlq, t.Skipped, t.VersionMissing);
        }

        var counts = new ExpectedCounts(
            Messages: _byStream.Sum(t => t.Messages),
            Valid: _byStream.Sum(t => t.Valid),
            Dlq: dlq.Count,
            Skipped: skipped.Count,
            VersionMissing: _byStream.Sum(t => t.VersionMissing),
            ByKind: Enum.GetValues<MessageKind>().ToDictionary(KindName, k => _byKind[(int)k], StringComparer.Ordinal),
            ByStream: byStream,
            DlqByErrorCode: dlq.GroupBy(d => d.ErrorCode, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal),
            LedgerEntries: ledger.Count,
            PaymentOrders: orders.Count,
            Pairs: pairs.Count,
            PairsByStatus: pairs.GroupBy(p => p.PairingStatus, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            PairsByReason: pairs.Where(p => p.PairingReason is not null).GroupBy(p => p.PairingReason!, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        return new ExpectedState(counts, ledger, orders, pairs, dlq, skipped);
    }

    /// <summary>The kind's name as written in the oracle file (<c>version</c>, <c>duplicate</c>, …).</summary>
    public static string KindName(MessageKind kind) => kind.ToString().ToLowerInvariant();

    private static void Apply<TRow>(Dictionary<string, TRow> rows, string id, TRow incoming, Func<TRow, (DateTimeOffset? U, long? S)> versionOf)
        where TRow : class
    {
        if (!rows.TryGetValue(id, out var stored))
        {
            rows[id] = incoming;
            return;
        }

        var (u1, s1) = versionOf(incoming);
        var (u2, s2) = versionOf(stored);
        var comparison = VersionOrder.Compare(u1, s1, u2, s2);
        if (comparison > 0)
        {
            rows[id] = incoming;
        }
        else if (comparison == 0 && !incoming.Equals(stored))
        {
            // Equal keys: the first stored wins and the other is a no-op (or, unversioned, the last
            // arrival wins). Either way the result depends on arrival order, which an oracle cannot know.
            throw new InvalidOperationException(
                $"'{id}' has two events with the same version ({Describe(u1, s1)}) and different values; its final state depends on arrival order.");
        }
    }

    private static string Describe(DateTimeOffset? u, long? s) =>
        VersionOrder.IsVersioned(u, s) ? $"updated_at {u?.ToString("O") ?? "absent"}, source_version {s?.ToString() ?? "absent"}" : "no version keys";

    /// <summary>The stored row of a ledger event: timestamps to microseconds, related_type defaulted (§2.1), event_type not stored.</summary>
    private static ExpectedLedgerEntry ToRow(LedgerFact f) => new(
        f.TxId, f.WalletId, f.EntryType, f.Amount, f.Currency, f.RelatedId,
        f.RelatedType ?? (f.RelatedId is null ? null : PairingRule.PaymentOrderType),
        f.Status, Stored(f.OccurredAt), Stored(f.UpdatedAt), f.SourceVersion, f.EventId);

    private static ExpectedPaymentOrder ToRow(PaymentOrderFact f) => new(
        f.OrderId, f.Status, f.Amount, f.Currency, f.PayerWalletId, f.PayeeWalletId,
        Stored(f.CreatedAt), Stored(f.UpdatedAt), f.SourceVersion, f.EventId);

    private static DateTimeOffset? Stored(DateTimeOffset? time) => time is { } t ? VersionOrder.Stored(t) : null;

    private sealed class StreamTally
    {
        public long Messages;
        public long Valid;
        public long Dlq;
        public long Skipped;
        public long VersionMissing;
    }
}
