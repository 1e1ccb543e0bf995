using Backoffice.LocalInfra.Kafka;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

[assembly: AssemblyFixture(typeof(Backoffice.Tests.Infrastructure.KafkaBrokerFixture))]

namespace Backoffice.Tests.Infrastructure;

/// <summary>
/// One Kafka-protocol broker for the whole test run: the in-process librdkafka mock cluster
/// (<see cref="MockKafkaCluster"/>), or the real broker named by <c>BO_TEST_KAFKA</c> (bootstrap
/// servers). Test classes isolate themselves with <see cref="UniqueTopic"/> and
/// <see cref="UniqueGroupId"/>.
/// </summary>
/// <remarks>
/// Fault injection (broker down, request errors, latency) would disturb every class running in
/// parallel on the shared broker, so it is only offered on a private cluster per test:
/// <see cref="StartPrivateCluster"/>. Against a real broker those tests are skipped.
/// The shared cluster starts on first use, so test runs that never touch Kafka do not depend on it.
/// </remarks>
public sealed class KafkaBrokerFixture : IAsyncLifetime
{
    public const string ExternalBrokerVariable = "BO_TEST_KAFKA";
    public const int DefaultPartitions = 3;

    private readonly string? _external = NullIfBlank(Environment.GetEnvironmentVariable(ExternalBrokerVariable));
    private readonly Lazy<MockKafkaCluster> _cluster = new(
        () => MockKafkaCluster.Start(new MockKafkaClusterOptions { DefaultPartitions = DefaultPartitions }));

    /// <summary>Bootstrap servers of the shared broker (the Aspire <c>kafka</c> connection string).</summary>
    public string BootstrapServers => _external ?? _cluster.Value.BootstrapServers;

    /// <summary>True when the tests run against <c>BO_TEST_KAFKA</c> instead of the mock cluster.</summary>
    public bool IsExternal => _external is not null;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_cluster.IsValueCreated)
        {
            await _cluster.Value.DisposeAsync();
        }
    }

    /// <summary>A topic name no other test uses: <c>{prefix}.{random}</c>.</summary>
    public static string UniqueTopic(string prefix) => $"{Sanitise(prefix)}.{Guid.NewGuid():N}";

    public static string UniqueGroupId(string prefix) => $"{Sanitise(prefix)}-{Guid.NewGuid():N}";

    /// <summary>
    /// Creates a fresh topic with <paramref name="partitions"/> partitions on the shared broker and
    /// returns its name. Producers also auto-create topics on first use (with
    /// <see cref="DefaultPartitions"/> partitions on the mock), consumers do not.
    /// </summary>
    public async Task<string> CreateTopicAsync(string prefix, int partitions = DefaultPartitions)
    {
        var topic = UniqueTopic(prefix);
        if (!IsExternal)
        {
            _cluster.Value.CreateTopic(topic, partitions);
            return topic;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]);
        return topic;
    }

    /// <summary>
    /// Starts a private mock cluster for a test that injects faults or needs its own addresses;
    /// the caller disposes it. Skips the test when running against <c>BO_TEST_KAFKA</c>: a real
    /// broker offers no fault injection.
    /// </summary>
    public MockKafkaCluster StartPrivateCluster(MockKafkaClusterOptions? options = null)
    {
        if (IsExternal)
        {
            Assert.Skip($"Needs a private mock cluster (fault injection, its own ports); {ExternalBrokerVariable} points the tests at a real broker, which offers neither.");
        }

        return MockKafkaCluster.Start(options ?? new MockKafkaClusterOptions { DefaultPartitions = DefaultPartitions });
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Sanitise(string prefix)
    {
        var legal = new string(prefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        return legal.Length > 0 ? legal[..Math.Min(legal.Length, 200)] : "test";
    }
}
