using System.Text.Json.Nodes;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Ingest;
using Backoffice.SyncConsumer.Normalisation;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// §3's promise as a property: any permutation, duplication and batch split of a set of versioned
/// events converges to the same stored state — the newest version of every key, and the pairs
/// those versions imply (legs moving between related_ids included).
/// </summary>
public sealed class ConvergencePropertyTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const int Cases = 120;
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Random_permutations_duplications_and_batch_splits_converge_to_the_newest_versions()
    {
        var writer = new SyncBatchWriter(database.DataSource, TimeProvider.System);
        var run = Guid.NewGuid().ToString("N")[..6];
        for (var seed = 0; seed < Cases; seed++)
        {
            var random = new Random(seed);
            var prefix = $"{run}-c{seed}";
            var events = GenerateEvents(random, prefix);
            var deliveries = events.SelectMany(e => Enumerable.Repeat(e, 1 + random.Next(3))).OrderBy(_ => random.Next()).ToList();

            for (var i = 0; i < deliveries.Count;)
            {
                var size = 1 + random.Next(Math.Min(8, deliveries.Count - i));
                var batch = deliveries.Skip(i).Take(size).Select(Deliver).ToList();
                await writer.WriteAsync(batch, null, TestContext.Current.CancellationToken);
                i += size;
            }

            await AssertConverged(prefix, events, seed);
        }
    }

    private async Task AssertConverged(string prefix, IReadOnlyList<LedgerEvent> events, int seed)
    {
        var expected = events.GroupBy(e => e.TxId)
            .Select(g => g.MaxBy(e => new VersionKey(e.UpdatedAt, e.SourceVersion, T0))!)
            .OrderBy(e => e.TxId, StringComparer.Ordinal)
            .ToList();

        await using var db = database.CreateDbContext();
        var stored = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.TxId.StartsWith(prefix + "-"))
            .OrderBy(e => e.TxId)
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.True(
            expected.Select(e => (e.TxId, e.Amount, e.RelatedId, e.UpdatedAt, e.SourceVersion, e.Status)).SequenceEqual(
                stored.Select(s => (s.TxId, s.Amount, s.RelatedId, s.UpdatedAt, s.SourceVersion, s.Status))),
            $"seed {seed}: ledger rows differ from the newest versions");
        // jsonb keeps the content, not the text, of the raw payload.
        Assert.All(expected.Zip(stored), p => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(p.First.RawPayload.Utf8.Span), JsonNode.Parse(p.Second.Payload))));

        var expectedPairs = expected.Where(e => e.RelatedId is not null)
            .GroupBy(e => e.RelatedId!)
            .Select(g => (Key: g.Key, State: PairingModel.Expected([.. g.Select(e => new ModelLeg(e.TxId, e.EntryType, e.Amount, e.Currency))])!))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key, p.State.Status, p.State.Reason, p.State.PaymentTxId, p.State.ReceiveTxId, p.State.LegCount))
            .ToList();
        var storedPairs = (await db.PaymentLedgerPairs.AsNoTracking()
                .Where(p => p.RelatedId.StartsWith(prefix + "-"))
                .ToListAsync(TestContext.Current.CancellationToken))
            .OrderBy(p => p.RelatedId, StringComparer.Ordinal)
            .Select(p => (p.RelatedId, p.PairingStatus, p.PairingReason, p.PaymentTxId, p.ReceiveTxId, p.LegCount))
            .ToList();
        Assert.True(expectedPairs.SequenceEqual(storedPairs), $"seed {seed}: pairs differ: expected {string.Join("; ", expectedPairs)} stored {string.Join("; ", storedPairs)}");
    }

    /// <summary>2–5 legs, each with 1–4 distinct versions; versions may change amount, status and related_id.</summary>
    private static List<LedgerEvent> GenerateEvents(Random random, string prefix)
    {
        var events = new List<LedgerEvent>();
        var relatedIds = new[] { $"{prefix}-po-a", $"{prefix}-po-b", null };
        var legs = 2 + random.Next(4);
        for (var leg = 0; leg < legs; leg++)
        {
            var txId = $"{prefix}-tx-{leg}";
            var entryType = random.Next(2) == 0 ? "PAYMENT" : "RECEIVE";
            var versions = new List<VersionKey>();
            var count = 1 + random.Next(4);
            while (versions.Count < count)
            {
                // Small value ranges so equal updated_at (deciding by source_version) and absent keys happen often.
                DateTimeOffset? updatedAt = random.Next(3) == 0 ? null : T0.AddMicroseconds(random.Next(3));
                long? sourceVersion = updatedAt is null || random.Next(2) == 0 ? random.Next(4) : null;
                var key = new VersionKey(updatedAt, sourceVersion, T0);
                if (!versions.Contains(key))
                {
                    versions.Add(key);
                }
            }

            foreach (var version in versions)
            {
                var amount = random.Next(2) == 0 ? 10m : 20m;
                var relatedId = relatedIds[random.Next(relatedIds.Length)];
                var status = $"S{random.Next(100)}";
                var payload = $$"""{"tx_id":"{{txId}}","status":"{{status}}","v":"{{version}}"}""";
                events.Add(new LedgerEvent(txId, "w-1", entryType, amount, "KRW", relatedId, relatedId is null ? null : "PAYMENT_ORDER", status, null, version.UpdatedAt, version.SourceVersion, null, null, RawJson.FromText(payload)));
            }
        }

        return events;
    }

    private static BatchItem Deliver(LedgerEvent e) =>
        new(new InboundMessage(StreamKind.Ledger, "prop.ledger", 0, 0, null, [], [], DateTimeOffset.UtcNow), new NormalisationResult.Ledger(e, []));
}
