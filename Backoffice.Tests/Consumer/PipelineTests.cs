using System.Diagnostics;
using Backoffice.SyncConsumer.Telemetry;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// The consume loop overlaps polling the next batch with writing the previous one (§5). These tests
/// hold a batch's write up in the database (a row lock held by the test) while the next batch is
/// collected, and check what must not change: offsets never run ahead of the database and advance
/// in order, a revocation hands partitions over without loss or double writes, a failed write is
/// retried before anything polled after it is written, and a shutdown within 10 s either drains
/// both batches or leaves them, and every offset after them, uncommitted.
/// </summary>
public sealed class PipelineTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Offsets_committed_while_batches_overlap_never_run_ahead_of_the_stored_rows_and_only_move_forward()
    {
        const int messages = 3_000;
        const int partitions = 4;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: partitions, orderPartitions: 1);
        // Small batches: many of them, each written while the next one is collected.
        await using var host = new ConsumerHost(settings, ("Consumer:MaxBatchSize", "25")).Start();
        await using var watcher = CommittedOffsetWatcher.Start(kafka.BootstrapServers, settings, partitions, database.DataSource);
        using var producer = new TestProducer(kafka.BootstrapServers);

        foreach (var chunk in Enumerable.Range(0, messages).Chunk(200))
        {
            await Task.WhenAll(chunk.Select(i => producer.SendAsync(settings.LedgerTopic, $"{_id}-{i}", Json.Ledger($"{_id}-{i}", version: 1), partition: i % partitions)));
        }

        await Eventually.Holds(() => Assert.Equal(messages, host.MessagesTotal()), TimeSpan.FromSeconds(60));
        await watcher.WaitForCommittedAsync(messages);

        Assert.Equal(messages, host.Messages("ledger", "upserted"));
        Assert.True(watcher.Checks > 20, $"only {watcher.Checks} checks of the committed offsets");
        Assert.Empty(watcher.Violations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Partitions_revoked_while_a_batch_is_being_written_and_the_next_collected_are_handed_over_without_loss_or_double_writes(int lanes)
    {
        const int burst = 200;
        const int partitions = 4;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: partitions, orderPartitions: 1);
        // One blocker per lane: partitions 0 … lanes−1 belong to different lanes, so every lane's
        // first batch waits in the database and whichever partitions are revoked, a write of
        // theirs is in flight.
        var blockers = new List<string>();
        for (var lane = 0; lane < lanes; lane++)
        {
            blockers.Add(await StoreBlockerAsync(lane));
        }

        // A long batch window, so each lane's first batch holds its share of the whole first burst.
        await using var first = new ConsumerHost(settings, ("Consumer:MaxBatchDelay", "00:00:00.500"), ("Consumer:WriteLanes", $"{lanes}")).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);

        // The first batches update the rows the test holds locked: their writes wait in the
        // database while the second burst is polled into the next batches.
        await using var rowLock = await RowLock.TakeAsync(database.DataSource, [.. blockers]);
        await Task.WhenAll(blockers
            .Select((blocker, lane) => producer.SendAsync(settings.LedgerTopic, blocker, Json.Ledger(blocker, version: 2), partition: lane))
            .Append(SendAsync(producer, settings, 0, burst, partitions)));
        await WaitForLockWaitAsync(lanes);
        await SendAsync(producer, settings, burst, 2 * burst, partitions);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        // A second instance joins: the first must give up partitions while its write hangs.
        await using var second = new ConsumerHost(settings).Start();
        await Eventually.Holds(
            () => Assert.Contains(first.Logs, line => line.StartsWith("Partitions revoked during a batch write", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60));
        // The revocation waits for the write; the new owner gets nothing until then.
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Empty(second.Services.GetRequiredService<KafkaLagTracker>().Partitions);
        await rowLock.ReleaseAsync();

        await Eventually.Holds(() => Assert.NotEmpty(second.Services.GetRequiredService<KafkaLagTracker>().Partitions), TimeSpan.FromSeconds(60));
        var messages = (2 * burst) + lanes;
        // When the broker refused the revoke-time offset commit (the rebalance outlasted the
        // blocked write on a slow machine), the new owner reads those messages again: at-least-once,
        // absorbed as duplicates. Otherwise nothing is read twice.
        bool CommitRefused() => first.Logs.Any(line => line.StartsWith("Offset commit failed", StringComparison.Ordinal));
        long Duplicates() => first.Messages("ledger", "duplicate") + second.Messages("ledger", "duplicate");
        await Eventually.Holds(() => Assert.Equal(messages + Duplicates(), first.MessagesTotal() + second.MessagesTotal()), TimeSpan.FromSeconds(60));
        // The counters are read one after another while a batch may still be being counted.
        await Eventually.Holds(() => Assert.Equal(messages, first.Messages("ledger", "upserted") + second.Messages("ledger", "upserted")));
        if (!CommitRefused())
        {
            Assert.Equal(0L, Duplicates());
        }

        Assert.True(second.Messages("ledger", "upserted") > 0, "the second instance stored the revoked partitions' messages");
        Assert.Equal(messages, await CountRowsAsync());
        foreach (var blocker in blockers)
        {
            Assert.Equal(2, await VersionOfAsync(blocker));
        }

        // A commit refused while the group rebalanced goes out with the next one: one more message
        // per partition takes every committed offset to the end, through whichever owner.
        var before = first.MessagesTotal() + second.MessagesTotal();
        await SendAsync(producer, settings, 2 * burst, (2 * burst) + partitions, partitions);
        await Eventually.Holds(() => Assert.Equal(before + partitions, first.MessagesTotal() + second.MessagesTotal()), TimeSpan.FromSeconds(60));
        await AssertCommittedAtEndAsync(settings, partitions);
    }

    [Fact]
    public async Task With_two_lanes_a_blocked_write_holds_back_only_its_own_partitions_and_their_offsets_while_the_other_lane_advances()
    {
        const int perPartition = 150;
        const int partitions = 2;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: partitions, orderPartitions: 1);
        var blocker = await StoreBlockerAsync();
        // Partitions 0 and 1 are in different lanes. Small batches: the blocked lane's next batch
        // fills up (its partition is paused) while the other lane writes batch after batch.
        await using var host = new ConsumerHost(settings, ("Consumer:WriteLanes", "2"), ("Consumer:MaxBatchSize", "20")).Start();
        await using var watcher = CommittedOffsetWatcher.Start(kafka.BootstrapServers, settings, partitions, database.DataSource);
        using var producer = new TestProducer(kafka.BootstrapServers);

        await using (var rowLock = await RowLock.TakeAsync(database.DataSource, blocker))
        {
            await producer.SendAsync(settings.LedgerTopic, blocker, Json.Ledger(blocker, version: 2), partition: 0);
            await WaitForLockWaitAsync();
            await SendAsync(producer, settings, 0, partitions * perPartition, partitions);

            // Partition 1 is stored and committed to its end; partition 0 (the blocker first) not at all.
            await Eventually.Holds(() => Assert.Equal(perPartition, host.Messages("ledger", "upserted")), TimeSpan.FromSeconds(60));
            await Eventually.Holds(() => Assert.Equal(perPartition, watcher.Committed(1)), TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.Equal(perPartition, host.MessagesTotal());
            Assert.Equal(0, watcher.Committed(0));
            Assert.Equal(perPartition, await CountRowsAsync());
            await rowLock.ReleaseAsync();
        }

        const int messages = (partitions * perPartition) + 1;
        await Eventually.Holds(() => Assert.Equal(messages, host.MessagesTotal()), TimeSpan.FromSeconds(60));
        await watcher.WaitForCommittedAsync(messages);
        Assert.Equal((messages, 0L, 0L), (host.Messages("ledger", "upserted"), host.Messages("ledger", "duplicate"), host.Messages("ledger", "stale")));
        Assert.Equal(messages, await CountRowsAsync());
        Assert.Equal(2, await VersionOfAsync(blocker));
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public async Task A_write_that_fails_while_the_next_batch_is_collected_is_retried_before_anything_polled_after_it()
    {
        const int messages = 200;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 1, orderPartitions: 1);
        var blocker = await StoreBlockerAsync();
        // Batches of 20: the next batch fills up while the first one waits, so polling pauses during the retry.
        await using var host = new ConsumerHost(settings, ("Consumer:MaxBatchSize", "20")).Start();
        await using var watcher = CommittedOffsetWatcher.Start(kafka.BootstrapServers, settings, 1, database.DataSource);
        using var producer = new TestProducer(kafka.BootstrapServers);

        await using (var rowLock = await RowLock.TakeAsync(database.DataSource, blocker))
        {
            await producer.SendAsync(settings.LedgerTopic, blocker, Json.Ledger(blocker, version: 2), partition: 0);
            await SendAsync(producer, settings, 0, messages, partitions: 1);
            var waiting = await WaitForLockWaitAsync();

            // The waiting write loses its connection (as in a failover): it must be retried, and the
            // batch collected meanwhile must wait for it.
            await using (var kill = database.DataSource.CreateCommand("SELECT pg_terminate_backend($1)"))
            {
                kill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = waiting });
                await kill.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            }

            await Eventually.Holds(() => Assert.Contains(host.Logs, line => line.StartsWith("Database write of", StringComparison.Ordinal)));
            await WaitForLockWaitAsync();
            Assert.Equal(0, host.MessagesTotal());
            await rowLock.ReleaseAsync();
        }

        await Eventually.Holds(() => Assert.Equal(messages + 1, host.MessagesTotal()), TimeSpan.FromSeconds(60));
        await watcher.WaitForCommittedAsync(messages + 1);
        Assert.Equal((messages + 1L, 0L, 0L, 0L), (host.Messages("ledger", "upserted"), host.Messages("ledger", "duplicate"), host.Messages("ledger", "stale"), host.Messages("ledger", "dlq")));
        Assert.Equal(messages + 1, await CountRowsAsync());
        Assert.Equal(2, await VersionOfAsync(blocker));
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public async Task Shutdown_while_a_batch_is_being_written_and_the_next_collected_drains_both_within_10_seconds()
    {
        const int messages = 200;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 1, orderPartitions: 1);
        var blocker = await StoreBlockerAsync();
        var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        Stopwatch stopwatch;
        await using (var rowLock = await RowLock.TakeAsync(database.DataSource, blocker))
        {
            await producer.SendAsync(settings.LedgerTopic, blocker, Json.Ledger(blocker, version: 2), partition: 0);
            await WaitForLockWaitAsync();
            await SendAsync(producer, settings, 0, messages, partitions: 1);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.Equal(0, host.MessagesTotal());

            // SIGTERM's path while the write waits; the database answers again well within the grace period.
            stopwatch = Stopwatch.StartNew();
            var stopping = host.DisposeAsync().AsTask();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.False(stopping.IsCompleted, "the host stopped without finishing the batch being written");
            await rowLock.ReleaseAsync();
            await stopping;
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.Elapsed}");
        // Both the batch being written and the one collected meanwhile were stored and acknowledged.
        Assert.Equal(messages + 1, host.Messages("ledger", "upserted"));
        Assert.DoesNotContain(host.Logs, line => line.StartsWith("Shutting down while the database is unavailable", StringComparison.Ordinal));
        Assert.Equal(messages + 1, await CountRowsAsync());
        await AssertCommittedAtEndAsync(settings, partitions: 1);
    }

    [Fact]
    public async Task Shutdown_while_a_write_cannot_finish_abandons_it_within_10_seconds_without_committing_its_offsets_or_any_later_ones()
    {
        const int messages = 200;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: 1, orderPartitions: 1);
        var blocker = await StoreBlockerAsync();
        var first = new ConsumerHost(settings).Start();
        await using var watcher = CommittedOffsetWatcher.Start(kafka.BootstrapServers, settings, 1, database.DataSource);
        using var producer = new TestProducer(kafka.BootstrapServers);
        await using (var rowLock = await RowLock.TakeAsync(database.DataSource, blocker))
        {
            await producer.SendAsync(settings.LedgerTopic, blocker, Json.Ledger(blocker, version: 2), partition: 0);
            await WaitForLockWaitAsync();
            await SendAsync(producer, settings, 0, messages, partitions: 1);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

            // The write is still stuck when the grace period ends: it is given up, and so is the
            // batch collected behind it, rather than overrunning the orchestrator's 10 s.
            var stopwatch = Stopwatch.StartNew();
            await first.DisposeAsync();
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.Elapsed}");
        }

        Assert.Equal(0, first.MessagesTotal());
        Assert.Contains(first.Logs, line => line.StartsWith("Shutting down while the database is unavailable", StringComparison.Ordinal));
        Assert.Equal(0, await CountRowsAsync());

        // The next instance reads everything again from the committed offsets: nothing lost, nothing twice.
        await using var second = new ConsumerHost(settings).Start();
        await Eventually.Holds(() => Assert.Equal(messages + 1, second.MessagesTotal()), TimeSpan.FromSeconds(60));
        await watcher.WaitForCommittedAsync(messages + 1);
        Assert.Equal((messages + 1L, 0L), (second.Messages("ledger", "upserted"), second.Messages("ledger", "duplicate")));
        Assert.Equal(messages + 1, await CountRowsAsync());
        Assert.Equal(2, await VersionOfAsync(blocker));
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public async Task Shutdown_with_two_lanes_drains_the_lane_whose_write_finishes_and_abandons_only_the_partitions_of_the_one_that_cannot()
    {
        const int perPartition = 100;
        const int partitions = 2;
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString, ledgerPartitions: partitions, orderPartitions: 1);
        var stuck = await StoreBlockerAsync(0);
        var slow = await StoreBlockerAsync(1);
        var first = new ConsumerHost(settings, ("Consumer:WriteLanes", "2")).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        await using (var stuckLock = await RowLock.TakeAsync(database.DataSource, stuck))
        await using (var slowLock = await RowLock.TakeAsync(database.DataSource, slow))
        {
            // Partition 0's lane waits for a lock held past the grace period, partition 1's for one
            // released during the shutdown; both lanes collect a batch behind their write.
            await Task.WhenAll(
                producer.SendAsync(settings.LedgerTopic, stuck, Json.Ledger(stuck, version: 2), partition: 0),
                producer.SendAsync(settings.LedgerTopic, slow, Json.Ledger(slow, version: 2), partition: 1));
            await WaitForLockWaitAsync(2);
            await SendAsync(producer, settings, 0, partitions * perPartition, partitions);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.Equal(0, first.MessagesTotal());

            var stopwatch = Stopwatch.StartNew();
            var stopping = first.DisposeAsync().AsTask();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            await slowLock.ReleaseAsync();
            await stopping;
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.Elapsed}");
        }

        // Partition 1 was written and committed to its end; nothing of partition 0 was.
        Assert.Equal(perPartition + 1, first.Messages("ledger", "upserted"));
        Assert.Contains(first.Logs, line => line.StartsWith("Shutting down while the database is unavailable", StringComparison.Ordinal));
        Assert.Equal(perPartition + 1, await CountRowsAsync());
        await using (var watcher = CommittedOffsetWatcher.Start(kafka.BootstrapServers, settings, partitions, database.DataSource))
        {
            await Eventually.Holds(() => Assert.Equal(perPartition + 1, watcher.Committed(1)), TimeSpan.FromSeconds(30));
            Assert.Equal(0, watcher.Committed(0));
        }

        // The next instance reads partition 0 again from its committed offset, and only that.
        await using var second = new ConsumerHost(settings).Start();
        const int messages = (partitions * perPartition) + 2;
        await Eventually.Holds(() => Assert.Equal(perPartition + 1, second.MessagesTotal()), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Equal((perPartition + 1L, 0L), (second.Messages("ledger", "upserted"), second.Messages("ledger", "duplicate")));
        Assert.Equal(messages, await CountRowsAsync());
        Assert.Equal((2L, 2L), (await VersionOfAsync(stuck), await VersionOfAsync(slow)));
        await AssertCommittedAtEndAsync(settings, partitions);
    }

    private async Task SendAsync(TestProducer producer, ConsumerSettings settings, int from, int to, int partitions)
    {
        await Task.WhenAll(Enumerable.Range(from, to - from).Select(i =>
            producer.SendAsync(settings.LedgerTopic, $"m-{_id}-{i}", Json.Ledger($"m-{_id}-{i}", version: 1), partition: i % partitions)));
    }

    /// <summary>Stores version 1 of a ledger entry directly (not through Kafka), so every message on the topic is exactly one row.</summary>
    private async Task<string> StoreBlockerAsync(int n = 0)
    {
        var txId = n == 0 ? $"blocker-{_id}" : $"blocker-{_id}-{n}";
        await using var insert = database.DataSource.CreateCommand("""
            INSERT INTO bo.ledger_entries (tx_id, wallet_id, entry_type, amount, currency, source_version, ingested_at, first_ingested_at, payload)
            VALUES ($1, 'w-1', 'PAYMENT', 10, 'KRW', 1, now(), now(), '{}')
            """);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = txId });
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return txId;
    }

    /// <summary>Waits until <paramref name="waiters"/> consumer connections wait for a lock in this database; returns the backend pid of one.</summary>
    private async Task<int> WaitForLockWaitAsync(int waiters = 1)
    {
        var pid = 0;
        await Eventually.Holds(async () =>
        {
            await using var query = database.DataSource.CreateCommand(
                "SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
            var found = await query.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            var pids = Assert.IsType<int[]>(found);
            Assert.True(pids.Length >= waiters, $"{pids.Length} of {waiters} writes wait for a lock");
            pid = pids[0];
        });
        return pid;
    }

    private async Task<long> CountRowsAsync()
    {
        await using var count = database.DataSource.CreateCommand("SELECT count(*) FROM bo.ledger_entries WHERE source_topic IS NOT NULL AND (tx_id LIKE $1 OR tx_id LIKE $2)");
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"m-{_id}-%" });
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"blocker-{_id}%" });
        return (long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<long> VersionOfAsync(string txId)
    {
        await using var version = database.DataSource.CreateCommand("SELECT source_version FROM bo.ledger_entries WHERE tx_id = $1");
        version.Parameters.Add(new NpgsqlParameter<string> { TypedValue = txId });
        return (long)(await version.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task AssertCommittedAtEndAsync(ConsumerSettings settings, int partitions)
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = settings.GroupId }).Build();
        var all = Enumerable.Range(0, partitions).Select(p => new TopicPartition(settings.LedgerTopic, p)).ToList();
        await Eventually.Holds(() =>
        {
            var committed = probe.Committed(all, TimeSpan.FromSeconds(10)).Select(c => c.Offset.Value);
            var ends = all.Select(p => probe.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
            Assert.Equal(ends, committed);
        });
    }

    /// <summary>A row lock held by the test in a transaction of its own, until released or disposed.</summary>
    private sealed class RowLock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private NpgsqlTransaction? _transaction;

        private RowLock(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            _connection = connection;
            _transaction = transaction;
        }

        public static async Task<RowLock> TakeAsync(NpgsqlDataSource dataSource, params string[] txIds)
        {
            var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
            var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using var lockRow = new NpgsqlCommand("SELECT 1 FROM bo.ledger_entries WHERE tx_id = ANY($1) FOR UPDATE", connection, transaction);
            lockRow.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = txIds });
            await lockRow.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            return new RowLock(connection, transaction);
        }

        public async Task ReleaseAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.RollbackAsync(TestContext.Current.CancellationToken);
                await _transaction.DisposeAsync();
                _transaction = null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await _connection.DisposeAsync();
        }
    }
}

/// <summary>
/// Reads a group's committed offsets again and again while the consumer runs, and after each read
/// checks them against the rows stored from the topic: a committed offset <c>c</c> of a partition
/// means messages <c>0 … c−1</c> are stored (every message of these tests is one row, whose source
/// offset is the message's), and it never moves backwards.
/// </summary>
internal sealed class CommittedOffsetWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _violations = [];
    private readonly long[] _last;
    private Task _loop = Task.CompletedTask;

    private CommittedOffsetWatcher(int partitions) => _last = new long[partitions];

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    public int Checks { get; private set; }

    public long CommittedTotal => _last.Sum();

    /// <summary>The highest committed offset read so far for <paramref name="partition"/> (0 before any commit).</summary>
    public long Committed(int partition) => Volatile.Read(ref _last[partition]);

    public static CommittedOffsetWatcher Start(string bootstrapServers, ConsumerSettings settings, int partitions, NpgsqlDataSource dataSource)
    {
        var watcher = new CommittedOffsetWatcher(partitions);
        watcher._loop = Task.Run(() => watcher.WatchAsync(bootstrapServers, settings, partitions, dataSource), CancellationToken.None);
        return watcher;
    }

    public Task WaitForCommittedAsync(long messages) =>
        Eventually.Holds(() => Assert.Equal(messages, CommittedTotal), TimeSpan.FromSeconds(60));

    private async Task WatchAsync(string bootstrapServers, ConsumerSettings settings, int partitions, NpgsqlDataSource dataSource)
    {
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = settings.GroupId }).Build();
        var all = Enumerable.Range(0, partitions).Select(p => new TopicPartition(settings.LedgerTopic, p)).ToList();
        while (!_stop.IsCancellationRequested)
        {
            List<TopicPartitionOffset> committed;
            try
            {
                committed = probe.Committed(all, TimeSpan.FromSeconds(5));
            }
            catch (KafkaException)
            {
                // The group coordinator is busy (a rebalance); read again.
                continue;
            }

            foreach (var offset in committed.Where(c => !c.Offset.IsSpecial))
            {
                var partition = offset.Partition.Value;
                var value = offset.Offset.Value;
                // Read after the offsets: the database can only be further along, never behind.
                await using var count = dataSource.CreateCommand(
                    "SELECT count(*) FROM bo.ledger_entries WHERE source_topic = $1 AND source_partition = $2 AND source_offset < $3");
                count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = settings.LedgerTopic });
                count.Parameters.Add(new NpgsqlParameter<int> { TypedValue = partition });
                count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
                var stored = (long)(await count.ExecuteScalarAsync(CancellationToken.None))!;
                lock (_violations)
                {
                    if (stored < value)
                    {
                        _violations.Add($"partition {partition}: offset {value} committed, only {stored} of the messages before it stored");
                    }

                    if (value < _last[partition])
                    {
                        _violations.Add($"partition {partition}: committed offset went back from {_last[partition]} to {value}");
                    }
                }

                _last[partition] = Math.Max(_last[partition], value);
            }

            Checks++;
            await Task.Delay(10, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
