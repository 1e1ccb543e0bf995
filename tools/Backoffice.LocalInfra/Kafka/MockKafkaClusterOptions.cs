using System.Net;

namespace Backoffice.LocalInfra.Kafka;

/// <summary>Settings for <see cref="MockKafkaCluster.Start"/>.</summary>
public sealed record MockKafkaClusterOptions
{
    /// <summary>
    /// Loopback address the brokers listen on and advertise in metadata: an IP literal or
    /// <c>localhost</c>.
    /// </summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// Port of broker 1; broker <c>n</c> listens on <c>Port + n - 1</c>. 0 picks a free port for
    /// every broker.
    /// </summary>
    public int Port { get; init; }

    public int BrokerCount { get; init; } = 1;

    /// <summary>Partition count of topics created on first use (Metadata auto-creation).</summary>
    public int DefaultPartitions { get; init; } = 3;

    /// <summary>Topics created at start with <see cref="DefaultPartitions"/> partitions.</summary>
    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>
    /// How long a consumer group's coordinator waits for more members before the first rebalance.
    /// Real brokers default to 3 s; zero keeps tests and local runs quick.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        _ = BindAddresses();

        if (BrokerCount is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(BrokerCount), BrokerCount, "BrokerCount must be between 1 and 16.");
        }

        if (Port != 0 && (Port < 1 || Port + BrokerCount - 1 > 65535))
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0 (any free port) or leave room for one port per broker below 65536.");
        }

        if (DefaultPartitions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultPartitions), DefaultPartitions, "DefaultPartitions must be at least 1.");
        }

        if (GroupInitialRebalanceDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GroupInitialRebalanceDelay), GroupInitialRebalanceDelay, "GroupInitialRebalanceDelay must not be negative.");
        }

        foreach (var topic in Topics)
        {
            KafkaTopicName.Validate(topic);
        }
    }

    internal IReadOnlyList<IPAddress> BindAddresses()
    {
        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Clients may resolve localhost to either family; answer on both.
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }

        if (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address))
        {
            return [address];
        }

        throw new ArgumentException($"Host '{Host}' must be a loopback address (127.0.0.0/8, ::1) or 'localhost': this broker is for local development and tests only.", nameof(Host));
    }
}
