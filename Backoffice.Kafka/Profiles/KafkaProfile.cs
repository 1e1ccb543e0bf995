using Confluent.Kafka;

namespace Backoffice.Kafka.Profiles;

/// <summary>A validated profile: where the broker is, how to authenticate, and the topic of each logical stream.</summary>
public sealed class KafkaProfile
{
    private readonly Dictionary<string, string> _streamByTopic;

    public KafkaProfile(string name, string bootstrapServers, IReadOnlyDictionary<string, string> topics, string? eventHubsConnectionString = null)
    {
        Name = name;
        BootstrapServers = bootstrapServers;
        Topics = topics;
        EventHubsConnectionString = eventHubsConnectionString;
        _streamByTopic = topics.ToDictionary(t => t.Value, t => t.Key, StringComparer.Ordinal);
    }

    public string Name { get; }

    public string BootstrapServers { get; }

    /// <summary>Logical stream (<see cref="KafkaStreams"/>) → physical topic.</summary>
    public IReadOnlyDictionary<string, string> Topics { get; }

    internal string? EventHubsConnectionString { get; }

    public bool UsesOAuthBearer => Name == KafkaProfiles.CloudSecure;

    /// <summary>Entra ID scope of the Event Hubs namespace: <c>https://&lt;namespace host&gt;/.default</c>.</summary>
    public string TokenScope
    {
        get
        {
            var first = BootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
            var host = first.Contains("://", StringComparison.Ordinal) ? new Uri(first).Host : first.Split(':')[0];
            return $"https://{host}/.default";
        }
    }

    public static KafkaProfile FromSettings(KafkaProfileSettings settings) => new(
        settings.Profile ?? throw new InvalidOperationException($"{settings.ProfileKey} is not set."),
        settings.BootstrapServers ?? throw new InvalidOperationException($"{KafkaProfileSettings.BootstrapServersKey} is not set."),
        settings.Topics.ToDictionary(t => t.Key, t => t.Value ?? throw new InvalidOperationException($"{settings.TopicKey(t.Key)} is not set."), StringComparer.Ordinal),
        settings.EventHubsConnectionString);

    public string TopicOf(string stream) => Topics[stream];

    /// <summary>The logical stream a topic carries, or null for a topic outside this profile.</summary>
    public string? StreamOf(string topic) => _streamByTopic.GetValueOrDefault(topic);

    /// <summary>Sets the bootstrap servers and the security of this profile on a client configuration.</summary>
    public void ApplyTo(ClientConfig config)
    {
        config.BootstrapServers = BootstrapServers;
        switch (Name)
        {
            case KafkaProfiles.CloudTest:
                // Event Hubs' Kafka endpoint: the literal user "$ConnectionString" with the namespace connection string as password.
                config.SecurityProtocol = SecurityProtocol.SaslSsl;
                config.SaslMechanism = SaslMechanism.Plain;
                config.SaslUsername = "$ConnectionString";
                config.SaslPassword = EventHubsConnectionString;
                break;
            case KafkaProfiles.CloudSecure:
                // The token itself comes from the refresh handler the client factory installs.
                config.SecurityProtocol = SecurityProtocol.SaslSsl;
                config.SaslMechanism = SaslMechanism.OAuthBearer;
                break;
            default:
                config.SecurityProtocol = SecurityProtocol.Plaintext;
                break;
        }
    }
}
