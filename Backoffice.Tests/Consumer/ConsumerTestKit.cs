using System.Text;
using Confluent.Kafka;

namespace Backoffice.Tests.Consumer;

/// <summary>A plain producer for test messages (keys and values as raw bytes, like any producer).</summary>
internal sealed class TestProducer(string bootstrapServers) : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        LingerMs = 5,
        MessageMaxBytes = 4 * 1024 * 1024,
    }).Build();

    public Task<DeliveryResult<byte[]?, byte[]?>> SendAsync(string topic, string? key, string? value, IEnumerable<(string Key, byte[] Value)>? headers = null, int? partition = null) =>
        SendBytesAsync(topic, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value), headers, partition);

    public Task<DeliveryResult<byte[]?, byte[]?>> SendBytesAsync(string topic, byte[]? key, byte[]? value, IEnumerable<(string Key, byte[] Value)>? headers = null, int? partition = null)
    {
        var message = new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = [] };
        foreach (var (name, bytes) in headers ?? [])
        {
            message.Headers.Add(name, bytes);
        }

        return partition is { } p
            ? _producer.ProduceAsync(new TopicPartition(topic, p), message, TestContext.Current.CancellationToken)
            : _producer.ProduceAsync(topic, message, TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
