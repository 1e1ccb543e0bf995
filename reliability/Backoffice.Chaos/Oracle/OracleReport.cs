using System.Text;
using Backoffice.Simulator.Oracle;

namespace Backoffice.Chaos.Oracle;

/// <summary>
/// One table against the oracle: rows expected, rows stored, expected rows absent (<see cref="Missing"/>),
/// stored rows the oracle does not know or stored twice (<see cref="Unexpected"/>), and rows present
/// with other values (<see cref="Different"/>), with a few examples of each.
/// </summary>
public sealed record TableComparison(string Table, int Expected, int Actual, int Missing, int Unexpected, int Different, IReadOnlyList<string> Examples)
{
    public bool Matches => Missing == 0 && Unexpected == 0 && Different == 0 && Expected == Actual;

    /// <summary>Compares by <paramref name="key"/>; rows equal by value match.</summary>
    public static TableComparison Of<TRow, TKey>(string table, IReadOnlyList<TRow> expected, IReadOnlyList<TRow> actual, Func<TRow, TKey> key)
        where TKey : notnull
    {
        const int maxExamples = 5;
        var examples = new List<string>();
        var stored = new Dictionary<TKey, TRow>();
        var unexpected = 0;
        foreach (var row in actual)
        {
            if (!stored.TryAdd(key(row), row))
            {
                unexpected++;
                Example($"stored twice: {row}");
            }
        }

        var wanted = expected.ToDictionary(key);
        int missing = 0, different = 0;
        foreach (var (rowKey, row) in wanted)
        {
            if (!stored.TryGetValue(rowKey, out var found))
            {
                missing++;
                Example($"missing: {row}");
            }
            else if (!EqualityComparer<TRow>.Default.Equals(row, found))
            {
                different++;
                Example($"expected {row}, stored {found}");
            }
        }

        foreach (var (rowKey, row) in stored)
        {
            if (!wanted.ContainsKey(rowKey))
            {
                unexpected++;
                Example($"unexpected: {row}");
            }
        }

        return new TableComparison(table, expected.Count, actual.Count, missing, unexpected, different, examples);

        void Example(string text)
        {
            if (examples.Count < maxExamples)
            {
                examples.Add(text);
            }
        }
    }
}

/// <summary>
/// The database against the simulator's oracle, table by table. <see cref="Lost"/> counts expected
/// rows (ledger entries, payment orders, DLQ rows) that are absent or hold another version;
/// <see cref="Unexpected"/> counts rows that should not exist (a DLQ row for a good message, a duplicate).
/// </summary>
public sealed record OracleReport(TableComparison LedgerEntries, TableComparison PaymentOrders, TableComparison Pairs, TableComparison Dlq)
{
    public long Lost => LedgerEntries.Missing + LedgerEntries.Different + PaymentOrders.Missing + PaymentOrders.Different + Dlq.Missing + Dlq.Different;

    public long Unexpected => LedgerEntries.Unexpected + PaymentOrders.Unexpected + Pairs.Unexpected + Dlq.Unexpected;

    public long PairMismatches => Pairs.Missing + Pairs.Different + Pairs.Unexpected;

    public bool Matches => LedgerEntries.Matches && PaymentOrders.Matches && Pairs.Matches && Dlq.Matches;

    public static OracleReport Compare(ExpectedState expected, DatabaseSnapshot actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var expectedDlq = expected.Dlq
            .Select(d => d.Position is { } p
                ? new DlqPosition(p.Topic, p.Partition, p.Offset, d.Stream, d.Key, d.ErrorCode)
                : throw new ArgumentException($"DLQ expectation {d.Sequence} has no position: compare only produced traffic.", nameof(expected)))
            .ToList();
        var storedDlq = actual.Dlq.Select(d => new DlqPosition(d.Topic, d.Partition, d.Offset, d.Stream, d.Key, d.ErrorCode)).ToList();
        return new OracleReport(
            TableComparison.Of("bo.ledger_entries", expected.LedgerEntries, actual.LedgerEntries, e => e.TxId),
            TableComparison.Of("bo.payment_orders", expected.PaymentOrders, actual.PaymentOrders, o => o.OrderId),
            TableComparison.Of("bo.payment_ledger_pairs", expected.Pairs, actual.Pairs, p => p.RelatedId),
            TableComparison.Of("bo.consumer_dlq_events", expectedDlq, storedDlq, d => (d.Topic, d.Partition, d.Offset)));
    }

    public static async Task<OracleReport> CompareAsync(ExpectedState expected, string connectionString, CancellationToken cancellationToken) =>
        Compare(expected, await DatabaseSnapshot.ReadAsync(connectionString, cancellationToken));

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(Matches ? "The database equals the oracle." : $"The database differs from the oracle: lost {Lost}, unexpected {Unexpected}, pair mismatches {PairMismatches}.");
        foreach (var table in new[] { LedgerEntries, PaymentOrders, Pairs, Dlq })
        {
            text.AppendLine($"  {table.Table}: expected {table.Expected}, stored {table.Actual}, missing {table.Missing}, unexpected {table.Unexpected}, different {table.Different}");
            foreach (var example in table.Examples)
            {
                text.AppendLine($"    {example}");
            }
        }

        return text.ToString();
    }

    /// <summary>A DLQ row as the oracle states it: position, stream, key and error code.</summary>
    private sealed record DlqPosition(string Topic, int Partition, long Offset, string Stream, string? Key, string ErrorCode);
}
