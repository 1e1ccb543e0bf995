using Microsoft.Extensions.Options;

namespace Backoffice.Kafka.Profiles;

/// <summary>Fails start-up with messages that name the configuration key to fix.</summary>
public sealed class KafkaProfileSettingsValidator : IValidateOptions<KafkaProfileSettings>
{
    public ValidateOptionsResult Validate(string? name, KafkaProfileSettings options)
    {
        var failures = new List<string>();
        if (options.Profile is null)
        {
            failures.Add($"{options.ProfileKey} is required outside the Development environment (one of: {string.Join(", ", KafkaProfiles.All)}).");
        }
        else if (!KafkaProfiles.All.Contains(options.Profile))
        {
            failures.Add($"{options.ProfileKey}: unknown Kafka profile '{options.Profile}' (expected one of: {string.Join(", ", KafkaProfiles.All)}).");
        }
        else
        {
            foreach (var stream in KafkaStreams.All)
            {
                if (!options.Topics.TryGetValue(stream, out var topic) || topic is null)
                {
                    failures.Add($"{options.TopicKey(stream)}: the topic of stream '{stream}' is missing or empty.");
                }
            }

            var duplicated = options.Topics.Where(t => t.Value is not null).GroupBy(t => t.Value, StringComparer.Ordinal).Where(g => g.Count() > 1);
            foreach (var group in duplicated)
            {
                failures.Add($"{string.Join(" and ", group.Select(t => options.TopicKey(t.Key)))}: two streams cannot share the topic '{group.Key}'.");
            }

            if (options.Profile == KafkaProfiles.CloudTest && options.EventHubsConnectionString is null)
            {
                failures.Add($"{KafkaProfileSettings.EventHubsConnectionStringKey} is required by the '{KafkaProfiles.CloudTest}' profile (the Event Hubs connection string is the SASL PLAIN password).");
            }
        }

        if (options.BootstrapServers is null)
        {
            failures.Add($"{KafkaProfileSettings.BootstrapServersKey} (the Kafka bootstrap servers) is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
