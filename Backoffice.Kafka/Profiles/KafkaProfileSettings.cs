using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Backoffice.Kafka.Profiles;

/// <summary>
/// The Kafka settings of one process, gathered from <c>&lt;section&gt;:Profile</c>,
/// <c>&lt;section&gt;:Profiles:&lt;profile&gt;:Topics:&lt;stream&gt;</c> and the connection strings
/// <c>kafka</c> (bootstrap servers) and <c>eventhubs</c> (cloud-test password).
/// Validated at start-up by <see cref="KafkaProfileSettingsValidator"/>, whose messages name the keys.
/// </summary>
public sealed class KafkaProfileSettings
{
    /// <summary>Connection string holding the Event Hubs namespace connection string (the SASL PLAIN password of <c>cloud-test</c>).</summary>
    public const string EventHubsConnectionStringName = "eventhubs";

    /// <summary>The configuration section the profile was read from, e.g. <c>Consumer</c>.</summary>
    public string Section { get; set; } = "";

    public string? Profile { get; set; }

    public string? BootstrapServers { get; set; }

    /// <summary>Logical stream → topic, defaults of the profile with the configured overrides applied.</summary>
    public Dictionary<string, string?> Topics { get; } = new(StringComparer.Ordinal);

    public string? EventHubsConnectionString { get; set; }

    public string ProfileKey => $"{Section}:Profile";

    public string TopicKey(string stream) => $"{Section}:Profiles:{Profile}:Topics:{stream}";

    public static string BootstrapServersKey => $"ConnectionStrings:{KafkaConnection.ConnectionStringName}";

    public static string EventHubsConnectionStringKey => $"ConnectionStrings:{EventHubsConnectionStringName}";

    /// <summary>Reads the settings; unknown values are kept as they are so the validator can name them.</summary>
    public static void Read(KafkaProfileSettings settings, IConfiguration configuration, string section, IHostEnvironment environment)
    {
        settings.Section = section;
        var profile = configuration[$"{section}:Profile"]?.Trim();
        if (string.IsNullOrEmpty(profile) && environment.IsDevelopment())
        {
            profile = KafkaProfiles.Local;
        }

        settings.Profile = string.IsNullOrEmpty(profile) ? null : profile;
        settings.BootstrapServers = NullIfBlank(configuration.GetConnectionString(KafkaConnection.ConnectionStringName));
        settings.EventHubsConnectionString = NullIfBlank(configuration.GetConnectionString(EventHubsConnectionStringName));

        settings.Topics.Clear();
        if (settings.Profile is null || !KafkaProfiles.All.Contains(settings.Profile))
        {
            return;
        }

        foreach (var (stream, topic) in KafkaProfiles.DefaultTopics(settings.Profile))
        {
            // A key that is present but empty is an explicit (broken) override, not "use the default".
            var configured = configuration.GetSection(settings.TopicKey(stream)).Value;
            settings.Topics[stream] = configured is null ? topic : NullIfBlank(configured);
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
