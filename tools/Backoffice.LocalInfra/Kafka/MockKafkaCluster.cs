using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace Backoffice.LocalInfra.Kafka;

/// <summary>
/// An in-memory Kafka-protocol cluster (librdkafka's mock cluster) on stable loopback addresses,
/// with fault injection. A development and test broker: nothing is persisted, and it is never a
/// stand-in for a production Kafka.
/// </summary>
/// <remarks>
/// The mock brokers listen on ports the kernel picks. Each broker gets a <see cref="BrokerForwarder"/>
/// on its stable port and advertises that port in Metadata (<c>rd_kafka_mock_broker_set_host_port</c>),
/// so clients bootstrap from and reconnect to the stable addresses only.
/// </remarks>
public sealed class MockKafkaCluster : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, byte> _knownTopics = new(StringComparer.Ordinal);
    private readonly BrokerForwarder?[] _forwarders;
    private readonly bool[] _brokerDown;
    private readonly TimeSpan[] _brokerRtt;
    private IntPtr _handle;
    private IntPtr _cluster;
    private int _disposed;

    private MockKafkaCluster(MockKafkaClusterOptions options, IntPtr handle, IntPtr cluster)
    {
        Options = options;
        _handle = handle;
        _cluster = cluster;
        _forwarders = new BrokerForwarder?[options.BrokerCount];
        _brokerDown = new bool[options.BrokerCount];
        _brokerRtt = new TimeSpan[options.BrokerCount];
    }

    public MockKafkaClusterOptions Options { get; }

    /// <summary>Comma-separated <c>host:port</c> of every broker's stable address.</summary>
    public string BootstrapServers =>
        string.Join(',', Enumerable.Range(1, BrokerCount).Select(BrokerAddress));

    public int BrokerCount => Options.BrokerCount;

    /// <summary>Broker ids are 1 to <see cref="BrokerCount"/>.</summary>
    public IEnumerable<int> BrokerIds => Enumerable.Range(1, BrokerCount);

    /// <summary>The stable port of broker <paramref name="brokerId"/>.</summary>
    public int BrokerPort(int brokerId) => Forwarder(brokerId).Port;

    public string BrokerAddress(int brokerId) => FormatAddress(Options.Host, BrokerPort(brokerId));

    /// <summary>Every broker with its address and injected state (down, RTT).</summary>
    public IReadOnlyList<MockBroker> Brokers
    {
        get
        {
            lock (_gate)
            {
                return BrokerIds
                    .Select(id => new MockBroker(id, BrokerAddress(id), !_brokerDown[id - 1], _brokerRtt[id - 1]))
                    .ToList();
            }
        }
    }

    /// <summary>librdkafka version of the mock (e.g. "2.16.0").</summary>
    public static string LibrdkafkaVersion => LibRdKafka.VersionString();

    public static MockKafkaCluster Start(MockKafkaClusterOptions? options = null)
    {
        options ??= new MockKafkaClusterOptions();
        options.Validate();
        var addresses = options.BindAddresses();

        LibRdKafka.EnsureLoaded();
        var handle = CreateHandle();
        var mock = LibRdKafka.rd_kafka_mock_cluster_new(handle, options.BrokerCount);
        if (mock == IntPtr.Zero)
        {
            LibRdKafka.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka could not create the mock cluster (see its log on stderr).");
        }

        var cluster = new MockKafkaCluster(options, handle, mock);
        try
        {
            var upstreams = ParseBootstraps(Marshal.PtrToStringUTF8(LibRdKafka.rd_kafka_mock_cluster_bootstraps(mock)) ?? "");
            if (upstreams.Count != options.BrokerCount)
            {
                throw new InvalidOperationException($"The mock cluster reported {upstreams.Count} brokers instead of {options.BrokerCount}.");
            }

            for (var brokerId = 1; brokerId <= options.BrokerCount; brokerId++)
            {
                var port = options.Port == 0 ? 0 : options.Port + brokerId - 1;
                BrokerForwarder forwarder;
                try
                {
                    forwarder = BrokerForwarder.Start(addresses, port, upstreams[brokerId - 1], cluster.OnRequest);
                }
                catch (SocketException ex)
                {
                    throw new IOException($"Broker {brokerId} cannot listen on {FormatAddress(options.Host, port)}: {ex.Message}", ex);
                }

                cluster._forwarders[brokerId - 1] = forwarder;
                LibRdKafka.rd_kafka_mock_broker_set_host_port(mock, brokerId, options.Host, forwarder.Port);
            }

            LibRdKafka.rd_kafka_mock_group_initial_rebalance_delay_ms(mock, (int)options.GroupInitialRebalanceDelay.TotalMilliseconds);

            foreach (var topic in options.Topics)
            {
                cluster.CreateTopic(topic);
            }

            return cluster;
        }
        catch
        {
            foreach (var forwarder in cluster._forwarders)
            {
                forwarder?.Stop();
            }

            cluster.ReleaseNative();
            throw;
        }
    }

    /// <summary>
    /// Creates <paramref name="name"/> with <paramref name="partitions"/> partitions (default
    /// <see cref="MockKafkaClusterOptions.DefaultPartitions"/>). Returns false when it already exists.
    /// </summary>
    public bool CreateTopic(string name, int? partitions = null, int? replicationFactor = null)
    {
        KafkaTopicName.Validate(name);
        var partitionCount = partitions ?? Options.DefaultPartitions;
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1, nameof(partitions));
        var replicas = replicationFactor ?? DefaultReplicationFactor;
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1, nameof(replicationFactor));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicas, BrokerCount, nameof(replicationFactor));

        var err = Invoke(c => LibRdKafka.rd_kafka_mock_topic_create(c, name, partitionCount, replicas));
        if (err != LibRdKafka.ErrTopicAlreadyExists)
        {
            ThrowOnError(err, $"create topic '{name}'");
        }

        _knownTopics.TryAdd(name, 0);
        return err != LibRdKafka.ErrTopicAlreadyExists;
    }

    /// <summary>
    /// Takes the broker down: its connections are dropped and new ones are refused until
    /// <see cref="SetBrokerUp"/>. Partition leadership does not move.
    /// </summary>
    public void SetBrokerDown(int brokerId)
    {
        var forwarder = Forwarder(brokerId);
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_broker_set_down(c, brokerId)), $"set broker {brokerId} down");
        forwarder.SetDown();
        lock (_gate)
        {
            _brokerDown[brokerId - 1] = true;
        }
    }

    public void SetBrokerUp(int brokerId)
    {
        var forwarder = Forwarder(brokerId);
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_broker_set_up(c, brokerId)), $"set broker {brokerId} up");
        forwarder.SetUp();
        lock (_gate)
        {
            _brokerDown[brokerId - 1] = false;
        }
    }

    /// <summary>Delays every response of the broker by <paramref name="rtt"/> (zero removes the delay).</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        Forwarder(brokerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_broker_set_rtt(c, brokerId, checked((int)rtt.TotalMilliseconds))), $"set broker {brokerId} RTT");
        lock (_gate)
        {
            _brokerRtt[brokerId - 1] = rtt;
        }
    }

    /// <summary>
    /// Queues errors for the next requests of type <paramref name="apiKey"/> on any broker: each
    /// request takes the next error as its (request-level) error code. <see cref="ErrorCode.Local_Transport"/>
    /// closes the connection instead.
    /// </summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = errors.Select(e => (int)e).ToArray();
        Invoke(c =>
        {
            LibRdKafka.rd_kafka_mock_push_request_errors_array(c, (short)apiKey, (nuint)codes.Length, codes);
            return 0;
        });
    }

    /// <summary>
    /// Like <see cref="PushRequestErrors"/> but only for requests to <paramref name="brokerId"/>,
    /// each errored response delayed by <paramref name="responseDelay"/>. Broker-level errors are
    /// served before cluster-wide ones.
    /// </summary>
    public void PushBrokerRequestErrors(int brokerId, KafkaApiKey apiKey, TimeSpan responseDelay, params ErrorCode[] errors)
    {
        Forwarder(brokerId);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentOutOfRangeException.ThrowIfLessThan(responseDelay, TimeSpan.Zero);
        if (OperatingSystem.IsMacOS())
        {
            // The native function is variadic; see LibRdKafka.
            throw new PlatformNotSupportedException("Per-broker request errors are not available on macOS.");
        }

        var delayMs = checked((int)responseDelay.TotalMilliseconds);
        foreach (var error in errors)
        {
            ThrowOnError(
                Invoke(c => LibRdKafka.rd_kafka_mock_broker_push_request_error_rtt(c, brokerId, (short)apiKey, 1, (int)error, delayMs)),
                $"push a {apiKey} error on broker {brokerId}");
        }
    }

    public void PushBrokerRequestErrors(int brokerId, KafkaApiKey apiKey, params ErrorCode[] errors) =>
        PushBrokerRequestErrors(brokerId, apiKey, TimeSpan.Zero, errors);

    /// <summary>How many errors pushed with <see cref="PushBrokerRequestErrors(int, KafkaApiKey, ErrorCode[])"/> are still unserved.</summary>
    public int PendingBrokerRequestErrors(int brokerId, KafkaApiKey apiKey)
    {
        Forwarder(brokerId);
        nuint count = 0;
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_broker_error_stack_cnt(c, brokerId, (short)apiKey, out count)), $"count the {apiKey} errors of broker {brokerId}");
        return checked((int)count);
    }

    /// <summary>Drops the cluster-wide errors still queued for <paramref name="apiKey"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey) =>
        Invoke(c =>
        {
            LibRdKafka.rd_kafka_mock_clear_request_errors(c, (short)apiKey);
            return 0;
        });

    /// <summary>
    /// Makes every Metadata response report <paramref name="error"/> for the topic
    /// (<see cref="ErrorCode.NoError"/> clears it).
    /// </summary>
    public void SetTopicError(string topic, ErrorCode error)
    {
        // The mock would otherwise auto-create an unknown topic with its own default of 4 partitions.
        CreateTopic(topic);
        Invoke(c =>
        {
            LibRdKafka.rd_kafka_mock_topic_set_error(c, topic, (int)error);
            return 0;
        });
    }

    /// <summary>Moves the partition's leadership (clients learn it from their next Metadata refresh).</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        Forwarder(brokerId);
        CreateTopic(topic);
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_partition_set_leader(c, topic, partition, brokerId)), $"move {topic} [{partition}] to broker {brokerId}");
    }

    /// <summary>Makes <paramref name="brokerId"/> the coordinator of consumer group <paramref name="groupId"/>.</summary>
    public void SetGroupCoordinator(string groupId, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        Forwarder(brokerId);
        ThrowOnError(Invoke(c => LibRdKafka.rd_kafka_mock_coordinator_set(c, "group", groupId, brokerId)), $"set the coordinator of group '{groupId}'");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var forwarder in _forwarders)
        {
            if (forwarder is not null)
            {
                await forwarder.DisposeAsync();
            }
        }

        ReleaseNative();
    }

    private void ReleaseNative()
    {
        Interlocked.Exchange(ref _disposed, 1);
        lock (_gate)
        {
            // librdkafka asserts if the handle is destroyed while a mock cluster is still attached.
            if (_cluster != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_mock_cluster_destroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                LibRdKafka.rd_kafka_destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }
    }

    private int DefaultReplicationFactor => Math.Min(3, BrokerCount);

    private void OnRequest(ReadOnlyMemory<byte> request)
    {
        foreach (var topic in MetadataRequestReader.AutoCreateTopics(request.Span))
        {
            if (_knownTopics.ContainsKey(topic) || !KafkaTopicName.IsValid(topic))
            {
                continue;
            }

            try
            {
                CreateTopic(topic);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // Shutting down, or the mock refused: the request goes on and the broker answers it.
            }
        }
    }

    private BrokerForwarder Forwarder(int brokerId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerId, BrokerCount);
        return _forwarders[brokerId - 1] ?? throw new InvalidOperationException($"Broker {brokerId} is not started.");
    }

    private int Invoke(Func<IntPtr, int> call)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            return call(_cluster);
        }
    }

    private static void ThrowOnError(int err, string action)
    {
        if (err != LibRdKafka.ErrNoError)
        {
            throw new InvalidOperationException($"Mock cluster could not {action}: {LibRdKafka.ErrorString(err)} ({(ErrorCode)err}).");
        }
    }

    private static IntPtr CreateHandle()
    {
        var errors = new byte[512];
        var conf = LibRdKafka.rd_kafka_conf_new();
        // The handle only hosts the mock cluster: keep its own client chatter (no bootstrap
        // servers, idle connections) out of the log, but let the mock's warnings through.
        foreach (var (name, value) in new[] { ("client.id", "backoffice-mock-cluster"), ("log_level", "4") })
        {
            if (LibRdKafka.rd_kafka_conf_set(conf, name, value, errors, (nuint)errors.Length) != LibRdKafka.ConfOk)
            {
                LibRdKafka.rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"librdkafka rejected {name}={value}: {CString(errors)}");
            }
        }

        var handle = LibRdKafka.rd_kafka_new(LibRdKafka.TypeProducer, conf, errors, (nuint)errors.Length);
        if (handle == IntPtr.Zero)
        {
            // rd_kafka_new only takes ownership of conf on success.
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"librdkafka could not create a handle: {CString(errors)}");
        }

        return handle;
    }

    private static string CString(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    private static List<IPEndPoint> ParseBootstraps(string bootstraps) =>
        bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(IPEndPoint.Parse)
            .ToList();

    private static string FormatAddress(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal)
            ? $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
