using System.Text.Json;
using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Npgsql;

namespace Backoffice.Tests.Consumer;

/// <summary>One migrated database, a fresh pair of topics and a running consumer, shared by the tests of one class.</summary>
public sealed class ConsumerFixture(PostgresServerFixture postgres, KafkaBrokerFixture kafka) : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    internal ConsumerSettings Settings { get; private set; } = null!;

    internal ConsumerHost Host { get; private set; } = null!;

    internal TestProducer Producer { get; private set; } = null!;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public string ConnectionString { get; private set; } = "";

    public KafkaBrokerFixture Kafka => kafka;

    public PostgresServerFixture Postgres => postgres;

    public BoDbContext CreateDbContext() => new(PostgresServerFixture.CreateContextOptions(ConnectionString));

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync("consumer");
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        Settings = await CreateSettingsAsync(kafka, ConnectionString);
        Producer = new TestProducer(kafka.BootstrapServers);
        // A longer batch window than production, so messages produced together are written together.
        Host = new ConsumerHost(Settings, ("Consumer:MaxBatchDelay", "00:00:00.100")).Start();
    }

    internal static async Task<ConsumerSettings> CreateSettingsAsync(
        KafkaBrokerFixture kafka,
        string database,
        int ledgerPartitions = KafkaBrokerFixture.DefaultPartitions,
        int orderPartitions = KafkaBrokerFixture.DefaultPartitions) => new(
        database,
        kafka.BootstrapServers,
        await kafka.CreateTopicAsync("ledger", ledgerPartitions),
        await kafka.CreateTopicAsync("orders", orderPartitions),
        KafkaBrokerFixture.UniqueGroupId("sync"));

    public async ValueTask DisposeAsync()
    {
        Producer?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    internal Task<DeliveryResult<byte[]?, byte[]?>> SendLedgerAsync(string? key, string? value, IEnumerable<(string Key, byte[] Value)>? headers = null, int? partition = null) =>
        Producer.SendAsync(Settings.LedgerTopic, key, value, headers, partition);

    internal Task<DeliveryResult<byte[]?, byte[]?>> SendOrderAsync(string? key, string? value) =>
        Producer.SendAsync(Settings.OrderTopic, key, value);
}

/// <summary>Flat test events in canonical field names.</summary>
internal static class Json
{
    public static string Ledger(
        string txId,
        string entryType = "PAYMENT",
        string amount = "10.00",
        string? relatedId = null,
        string? updatedAt = null,
        long? version = null,
        string? status = null,
        string? currency = "KRW",
        string walletId = "w-1") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["tx_id"] = txId,
            ["wallet_id"] = walletId,
            ["entry_type"] = entryType,
            ["amount"] = amount,
            ["currency"] = currency,
            ["related_id"] = relatedId,
            ["status"] = status,
            ["occurred_at"] = "2026-11-25T01:02:03.456Z",
            ["updated_at"] = updatedAt,
            ["source_version"] = version,
        }.Where(p => p.Value is not null).ToDictionary());

    public static string Order(string orderId, string status, string? updatedAt = null, long? version = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["order_id"] = orderId,
            ["status"] = status,
            ["amount"] = "10.00",
            ["currency"] = "KRW",
            ["updated_at"] = updatedAt,
            ["source_version"] = version,
        }.Where(p => p.Value is not null).ToDictionary());
}
