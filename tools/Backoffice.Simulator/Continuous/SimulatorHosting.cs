using System.ComponentModel.DataAnnotations;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace Backoffice.Simulator.Continuous;

public static class SimulatorHosting
{
    /// <summary>The section whose Kafka profile the consumer reads (<c>Consumer:Profile</c>, <c>Consumer:Profiles:…</c>).</summary>
    public const string ConsumerSection = "Consumer";

    /// <summary>The long-running simulator: options, Kafka profile and producer, the worker and its trace source.</summary>
    public static IHostApplicationBuilder AddSimulator(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrafficOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrafficOptions>, TrafficOptionsValidator>();

        // Without a profile of its own the simulator writes where the consumer reads: Consumer:Profile
        // and the consumer's topic overrides. Simulator:Profile switches to Simulator:Profiles:… instead.
        var ownProfile = !string.IsNullOrWhiteSpace(builder.Configuration[$"{SimulatorOptions.SectionName}:Profile"]);
        services.AddKafkaProfile(ownProfile ? SimulatorOptions.SectionName : ConsumerSection);
        services.AddKafkaProducer<string, byte[]?>(config => SimulatorKafka.ApplyProducerDefaults(config, bulk: false));
        services.AddSingleton(sp => SimulatorTopics.From(sp.GetRequiredService<KafkaProfile>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<SimulatorWorker>();
        services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(SimulatorTelemetry.ActivitySourceName));
        return builder;
    }

    /// <summary>Names the key of a traffic option that is out of range.</summary>
    private sealed class TrafficOptionsValidator : IValidateOptions<TrafficOptions>
    {
        public ValidateOptionsResult Validate(string? name, TrafficOptions options)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Fail(results.Select(r => $"{SimulatorOptions.SectionName}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
            }

            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ValidationException ex)
            {
                return ValidateOptionsResult.Fail($"{SimulatorOptions.SectionName}: {ex.Message}");
            }
        }
    }
}
